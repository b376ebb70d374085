using System.Globalization;
using System.Net;
using System.Text;
using Geo.Api.V1;

namespace Geo.Api;

/// <summary>
/// A civil operational estimate as a readable, printable HTML page: one self-contained document
/// (no script, no outside resource) that the service serves and the CLI writes. Every section
/// names its sources by number; the sources list each call and its request.
/// </summary>
public static class CivilEstimatePage
{
    private const string Style =
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#111;max-width:60rem;margin:2rem auto;padding:0 1rem}" +
        "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:2px solid #0a4a7a;margin-top:2rem;padding-bottom:.2rem}" +
        "h3{font-size:1rem;margin:1.2rem 0 .4rem}table{border-collapse:collapse;margin:.4rem 0 1rem;width:100%}" +
        "th,td{border:1px solid #bbb;padding:.2rem .45rem;text-align:left;vertical-align:top}th{background:#eef3f7}td.n{text-align:right;font-variant-numeric:tabular-nums}" +
        ".meta{color:#444}.src{font-size:.85rem;color:#444}.withheld{background:#fff4e0;border-left:4px solid #d98b00;padding:.4rem .6rem}" +
        ".risk{border-left:4px solid #b3261e;padding:.3rem .6rem;margin:.4rem 0}.opportunity{border-left:4px solid #1b7a3a;padding:.3rem .6rem;margin:.4rem 0}" +
        "code{font-size:.8rem;word-break:break-all}.notice{border:1px solid #999;padding:.4rem .6rem;margin:1rem 0}" +
        "@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,.risk,.opportunity{break-inside:avoid}a{color:inherit;text-decoration:none}}";

    public static string Render(CivilEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        var page = new Page();
        var b = estimate.Bbox;
        page.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        page.Raw("<title>").Text($"CIV-OES {Day(estimate.From)} to {Day(estimate.To)}").Raw("</title><style>").Raw(Style).Raw("</style></head><body>");
        page.Raw("<h1>Civil Operational Estimate (CIV-OES)</h1>");
        page.Raw("<p class=\"meta\">").Text(string.Create(CultureInfo.InvariantCulture,
            $"Area {b.West:0.#####}, {b.South:0.#####} to {b.East:0.#####}, {b.North:0.#####} (west, south, east, north) · period {Day(estimate.From)} to {Day(estimate.To)} · " +
            $"generated {estimate.GeneratedAt?.ToDateTimeOffset():yyyy-MM-dd HH:mm} UTC for the role {estimate.GeneratedFor}")).Raw("</p>");
        page.Raw("<p class=\"notice\">For mission use. Figures are those this role may read: locations coarsened, small counts withheld and liaison-only records left out ")
            .Raw("where the role requires it. No planned operation is part of this document. Each section names its sources; every source is an API call anyone with the same role can repeat.</p>");
        foreach (var withheld in estimate.Withheld)
        {
            page.Raw("<p class=\"withheld\">").Text($"Section {withheld.Section} withheld: this role does not hold {withheld.Permission}.").Raw("</p>");
        }

        Situation(page, estimate.Situation);
        Actors(page, estimate.Actors);
        Threats(page, estimate.Threats);
        Coverage(page, estimate.Coverage);
        Works(page, estimate.CivilWorks);
        Findings(page, "Risks", "risk", estimate.Risks, estimate.Rules.Where(r => r.Kind == FindingKind.Risk));
        Findings(page, "Opportunities", "opportunity", estimate.Opportunities, estimate.Rules.Where(r => r.Kind == FindingKind.Opportunity));
        page.Raw("<h2>Rules</h2>");
        page.Table(["Rule", "Kind", "Statement", "Raised"], estimate.Rules.Select(r => new[] { r.Id, EnumWords.Spoken(r.Kind), r.Text, N(r.Raised) }), numeric: 3);
        page.Raw("<h2>Sources</h2><ol>");
        foreach (var (source, number) in page.Sources.Select((s, i) => (s, i + 1)))
        {
            page.Raw($"<li id=\"s{number}\"><code>").Text(source.Method).Raw("</code> ").Text(source.Selection).Raw("<br><code>").Text(source.RequestJson).Raw("</code></li>");
        }

        page.Raw("</ol></body></html>\n");
        return page.ToString();
    }

    private static void Situation(Page page, CivilSituation? s)
    {
        if (s is null)
        {
            return;
        }

        page.Raw("<h2>1. Civilian situation</h2>").Cite(s.Sources);
        page.Raw("<p>").Text($"{N(s.Communities)} communities, population {N(s.PopulationTotal)} where known ({N(s.CommunitiesWithoutPopulation)} without a figure).").Raw("</p>");
        page.Table(["Risk level", "Communities"], s.ByRisk.Select(r => new[] { EnumWords.Spoken(r.RiskLevel), N(r.Communities) }), numeric: 1);
        page.Raw("<h3>Population by sex and age group</h3>");
        page.Table(["Sex", "Age group", "People"], s.Population.Select(p => new[] { EnumWords.Spoken(p.Sex), EnumWords.Spoken(p.AgeGroup), N(p.Count) }), numeric: 2);
        page.Raw("<h3>Communities at risk</h3>");
        page.Table(["Community", "Risk", "Population"], s.AtRisk.Select(c => new[] { $"{c.Name} ({c.Id})", EnumWords.Spoken(c.RiskLevel), N(c.Population) }), numeric: 2);
    }

    private static void Actors(Page page, CivilianActors? a)
    {
        if (a is null)
        {
            return;
        }

        page.Raw("<h2>2. Civilian actors and facilities</h2>").Cite(a.Sources);
        page.Table(["Sector", "Presence records", "Organisations (per cell)"], a.Sectors.Select(s => new[] { EnumWords.Spoken(s.Sector), N(s.Records), N(s.OrganisationCells) }), numeric: 1);
        page.Raw("<h3>Facilities</h3><p>").Text($"{N(a.FacilitiesTotal)} facilities this role reads.").Raw("</p>");
        page.Table(["Type", "Status", "Facilities", "Stale or unconfirmed", "Notified"],
            a.Facilities.Select(f => new[] { EnumWords.Spoken(f.Type), EnumWords.Spoken(f.Status), N(f.Facilities), N(f.StaleOrUnconfirmed), N(f.Notified) }), numeric: 2);
    }

    private static void Threats(Page page, ThreatPicture? t)
    {
        if (t is null)
        {
            return;
        }

        page.Raw("<h2>3. Threats and how they changed</h2>").Cite(t.Sources);
        page.Raw("<p>").Text($"Observations in the period: {Opt(t.HasObservations, t.Observations)}; in the previous period ({t.PreviousFrom?.ToDateTimeOffset():yyyy-MM-dd} to " +
            $"{t.From?.ToDateTimeOffset().AddDays(-1):yyyy-MM-dd}): {Opt(t.HasPreviousObservations, t.PreviousObservations)}.").Raw("</p>");
        page.Table(["Category", "Period", "Previous", "Change"],
            t.ByCategory.Select(c => new[] { EnumWords.Spoken(c.Category), Opt(c.HasObservations, c.Observations), Opt(c.HasPreviousObservations, c.PreviousObservations), Change(c.HasObservations && c.HasPreviousObservations, c.Observations - c.PreviousObservations) }), numeric: 1);
        page.Raw("<h3>By affected sex and age group</h3>");
        page.Table(["Sex", "Age group", "Period", "Previous", "Change"],
            t.ByGroup.Select(g => new[] { EnumWords.Spoken(g.Sex), EnumWords.Spoken(g.AgeGroup), Opt(g.HasObservations, g.Observations), Opt(g.HasPreviousObservations, g.PreviousObservations), Change(g.HasObservations && g.HasPreviousObservations, g.Observations - g.PreviousObservations) }), numeric: 2);
        page.Raw("<h3>Hot spots (Getis-Ord Gi*)</h3><p>").Text(string.Create(CultureInfo.InvariantCulture, $"Cells of {t.HotSpotCellMetres:0} m; hot at 90/95/99% confidence after the false-discovery-rate correction.")).Raw("</p>");
        page.Table(["Cell", "Centre", "z-score", "Confidence", "Observations"], t.HotSpots.Select(h => new[]
        {
            $"{h.Column}, {h.Row}", Point(h.Centre), h.ZScore.ToString("0.00", CultureInfo.InvariantCulture), h.Confidence switch { 3 => "99%", 2 => "95%", _ => "90%" }, N(h.Observations),
        }), numeric: 2);
    }

    private static void Coverage(Page page, CoverageGaps? c)
    {
        if (c is null)
        {
            return;
        }

        page.Raw("<h2>4. Coverage gaps</h2>").Cite(c.Sources);
        page.Raw("<p>").Text($"On {Day(c.At)}: {N(c.BasesInArea)} bases in the area, {N(c.Bases.Count)} with a team gap; {N(c.CommunitiesOutOfReach.Count)} communities at risk out of reach.").Raw("</p>");
        page.Table(["Base", "Gaps"], c.Bases.Select(b => new[] { $"{b.Name} ({b.Id})", string.Join(", ", b.Gaps.Select(EnumWords.Spoken)) }), numeric: 9);
        page.Raw("<h3>Communities at risk out of reach</h3>");
        page.Table(["Community", "Risk", "Population", "Nearest staffed base", "Distance km"], c.CommunitiesOutOfReach.Select(r => new[]
        {
            $"{r.Name} ({r.CommunityId})", EnumWords.Spoken(r.RiskLevel), N(r.Population), r.NearestBaseId, (r.DistanceMetres / 1000).ToString("0.0", CultureInfo.InvariantCulture),
        }), numeric: 2);
        page.Raw("<h3>Women and girls: threats with no female CLA in reach</h3>");
        page.Table(["Cell", "Centre", "Threats", "Communities"], c.WomenAndGirlsGaps.Select(g => new[]
        {
            $"{g.Column}, {g.Row}", Point(g.Centre), g.ThreatValue.ToString("0.##", CultureInfo.InvariantCulture), string.Join(", ", g.CommunityIds),
        }), numeric: 2);
    }

    private static void Works(Page page, CivilWorks? w)
    {
        if (w is null)
        {
            return;
        }

        page.Raw("<h2>5. Quick impact projects and civil assistance</h2>").Cite(w.Sources);
        page.Table(["QIPs: state", "Sector", "Projects"], w.Qips.Select(q => new[] { q.State, EnumWords.Spoken(q.Sector), N(q.Count) }), numeric: 2);
        page.Table(["Civil assistance: state", "Requests"], w.Requests.Select(r => new[] { r.State, N(r.Count) }), numeric: 1);
    }

    private static void Findings(Page page, string title, string css, IEnumerable<Finding> findings, IEnumerable<EstimateRule> rules)
    {
        page.Raw($"<h2>{title}</h2>");
        var any = false;
        foreach (var finding in findings)
        {
            any = true;
            page.Raw($"<div class=\"{css}\"><strong>").Text(finding.Rule).Raw("</strong>: ").Text(finding.Summary);
            if (finding.EvidenceIds.Count > 0)
            {
                page.Raw("<br><span class=\"src\">").Text("Records: " + string.Join(", ", finding.EvidenceIds)).Raw("</span>");
            }

            if (finding.Sources.Count > 0)
            {
                page.Cite(finding.Sources);
            }

            page.Raw("</div>");
        }

        var listed = rules.Sum(r => r.Raised);
        if (!any)
        {
            page.Raw("<p>").Text("None raised by the rules below.").Raw("</p>");
        }
        else if (listed > findings.Count())
        {
            page.Raw("<p>").Text($"{findings.Count()} of {listed} listed; the rules count them all.").Raw("</p>");
        }
    }

    private static string Day(CalendarDate? d) => d is null ? "?" : string.Create(CultureInfo.InvariantCulture, $"{d.Year:D4}-{d.Month:D2}-{d.Day:D2}");

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Opt(bool has, long value) => has ? N(value) : "withheld";

    private static string Change(bool both, long delta) => !both ? "" : delta > 0 ? "+" + N(delta) : N(delta);

    private static string Point(GeoPoint? p) => p is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{p.Longitude:0.####}, {p.Latitude:0.####}");

    /// <summary>The document as it is written: every text escaped, the sources numbered as they are cited.</summary>
    private sealed class Page
    {
        private readonly StringBuilder _html = new();

        public List<FigureSource> Sources { get; } = [];

        public Page Raw(string html)
        {
            _html.Append(html);
            return this;
        }

        public Page Text(string text)
        {
            _html.Append(WebUtility.HtmlEncode(text));
            return this;
        }

        public Page Cite(IEnumerable<FigureSource> sources)
        {
            var numbers = new List<int>();
            foreach (var source in sources)
            {
                var index = Sources.FindIndex(s => s.Equals(source));
                if (index < 0)
                {
                    Sources.Add(source);
                    index = Sources.Count - 1;
                }

                numbers.Add(index + 1);
            }

            Raw("<p class=\"src\">Sources: ").Raw(string.Join(", ", numbers.Select(n => $"<a href=\"#s{n}\">[{n}]</a>"))).Raw("</p>");
            return this;
        }

        public void Table(string[] headings, IEnumerable<string[]> rows, int numeric)
        {
            var list = rows.ToList();
            if (list.Count == 0)
            {
                Raw("<p>").Text("None.").Raw("</p>");
                return;
            }

            Raw("<table><thead><tr>");
            foreach (var heading in headings)
            {
                Raw("<th>").Text(heading).Raw("</th>");
            }

            Raw("</tr></thead><tbody>");
            foreach (var row in list)
            {
                Raw("<tr>");
                for (var i = 0; i < row.Length; i++)
                {
                    Raw(i >= numeric ? "<td class=\"n\">" : "<td>").Text(row[i]).Raw("</td>");
                }

                Raw("</tr>");
            }

            Raw("</tbody></table>");
        }

        public override string ToString() => _html.ToString();
    }
}

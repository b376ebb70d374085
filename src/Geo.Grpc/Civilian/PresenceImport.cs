using System.Globalization;
using System.Text;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Exporters.Hxl;
using Geo.Storage.Civilian;

namespace Geo.Grpc.Civilian;

/// <summary>What an import found and did.</summary>
internal sealed record PresenceImportReport(int Rows, PresenceImportOutcome? Outcome, IReadOnlyList<SheetProblem> Problems, IReadOnlyList<string> IgnoredColumns);

/// <summary>
/// Loads a 3W sheet (HXL-tagged CSV): reads every row, matches organisations by acronym or name
/// (new ones are created from the sheet), checks P-codes against the known areas and every
/// record against the rules, then stores all of it in one transaction, or nothing when any row
/// is refused (every refused row is reported). Importing the same sheet again changes nothing:
/// a row's id is the sheet's #meta+id, or a hash of what makes it the same record.
/// </summary>
internal sealed class PresenceImport(CivilianStore store)
{
    public async Task<PresenceImportReport> ImportAsync(byte[] csv, SharingLevel defaultSharing, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(csv);
        }
        catch (DecoderFallbackException e)
        {
            return new PresenceImportReport(0, null, [new SheetProblem(0, "csv", $"is not UTF-8 (byte {e.Index}); save the sheet as CSV UTF-8")], []);
        }

        var read = ThreeWSheet.Read(text.TrimStart('\uFEFF'));
        var problems = read.Problems.ToList();
        var rows = read.Rows;
        var existing = await store.AllOrganisationsAsync(cancellationToken).ConfigureAwait(false);
        var organisations = Organisations(rows, existing, defaultSharing, problems);
        var pcodes = rows.Select(r => r.Presence.Pcode).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var known = await store.KnownPcodesAsync(pcodes, cancellationToken).ConfigureAwait(false);
        var presences = new List<Presence>();
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!organisations.Ids.TryGetValue(Key(row), out var organisationId))
            {
                continue;
            }

            var p = row.Presence;
            if (p.Pcode.Length > 0 && !known.Contains(p.Pcode))
            {
                problems.Add(new SheetProblem(row.Line, "#adm1+code or #adm2+code", $"'{p.Pcode}' matches no administrative area known here (Civilian.PutAdminArea, geoaware actors admin-areas)"));
                continue;
            }

            var place = p.Location switch
            {
                null => p.Pcode,
                NetTopologySuite.Geometries.Point point => string.Create(CultureInfo.InvariantCulture, $"{point.Y:R},{point.X:R}"),
                var shape => shape.AsText(),
            };
            var presence = p with
            {
                Id = row.Id.Length > 0 ? row.Id : CivilianIds.Presence(organisationId, p.Sector, p.Activity, place, p.Start),
                OrganisationId = organisationId,
                Sharing = row.Sharing ?? defaultSharing,
            };
            var errors = new FieldErrors();
            CivilianRules.Check(presence, errors);
            foreach (var error in errors.All)
            {
                problems.Add(new SheetProblem(row.Line, ColumnOf(error.Field), error.Message));
            }

            if (errors.Any)
            {
                continue;
            }

            if (!lines.TryAdd(presence.Id, row.Line))
            {
                problems.Add(new SheetProblem(row.Line, "#meta+id", $"is the same record as line {lines[presence.Id]} (same organisation, sector, activity, place and start, or the same #meta+id)"));
                continue;
            }

            presences.Add(presence);
        }

        if (problems.Count > 0)
        {
            return new PresenceImportReport(rows.Count, null, [.. problems.OrderBy(p => p.Line)], read.IgnoredColumns);
        }

        var outcome = await store.ImportAsync(organisations.New, presences, dryRun, cancellationToken).ConfigureAwait(false);
        return new PresenceImportReport(rows.Count, outcome, [], read.IgnoredColumns);
    }

    /// <summary>
    /// Each row's organisation: a known one by acronym, else by name (case aside), else a new one
    /// made from the sheet. A new organisation is shared as far as the widest-shared of its rows,
    /// so that each row keeps its own level (a record is shared no further than its organisation).
    /// </summary>
    private static (Dictionary<string, string> Ids, List<Organisation> New) Organisations(
        IReadOnlyList<ThreeWRow> rows, IReadOnlyList<Organisation> existing, SharingLevel defaultSharing, List<SheetProblem> problems)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var made = new Dictionary<string, (Organisation Organisation, int Line)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var key = Key(row);
            if (ids.TryGetValue(key, out var known) && !made.ContainsKey(known))
            {
                continue;
            }

            var match = row.OrganisationAcronym.Length > 0
                ? existing.FirstOrDefault(o => string.Equals(o.Acronym, row.OrganisationAcronym, StringComparison.OrdinalIgnoreCase))
                : null;
            match ??= existing.FirstOrDefault(o => string.Equals(o.Name, row.OrganisationName, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                ids[key] = match.Id;
                continue;
            }

            var sharing = row.Sharing ?? defaultSharing;
            var id = CivilianIds.Organisation(row.OrganisationAcronym, row.OrganisationName);
            if (made.TryGetValue(id, out var earlier))
            {
                if (row.OrganisationKind is { } kind && kind != earlier.Organisation.Kind)
                {
                    problems.Add(new SheetProblem(row.Line, "#org+type", $"says {ThreeWWords.Of(kind)} where line {earlier.Line} says {ThreeWWords.Of(earlier.Organisation.Kind)} for the same organisation"));
                }

                if (sharing < earlier.Organisation.Sharing)
                {
                    made[id] = (earlier.Organisation with { Sharing = sharing }, earlier.Line);
                }

                ids[key] = id;
                continue;
            }

            if (row.OrganisationKind is not { } newKind)
            {
                problems.Add(new SheetProblem(row.Line, "#org+type", $"is empty, and '{row.OrganisationName}' is a new organisation here: say what kind it is ({ThreeWWords.Known<OrganisationKind>()})"));
                continue;
            }

            var organisation = new Organisation
            {
                Id = id,
                Name = row.OrganisationName,
                Acronym = row.OrganisationAcronym,
                Kind = newKind,
                Humanitarian = row.Humanitarian ?? newKind is not (OrganisationKind.HostNationAuthority or OrganisationKind.PrivateSector),
                Sharing = sharing,
            };
            var errors = new FieldErrors();
            CivilianRules.Check(organisation, errors);
            foreach (var error in errors.All)
            {
                problems.Add(new SheetProblem(row.Line, error.Field == "acronym" ? "#org+acronym" : "#org+name", error.Message));
            }

            if (!errors.Any)
            {
                made[id] = (organisation, row.Line);
                ids[key] = id;
            }
        }

        return (ids, [.. made.Values.Select(m => m.Organisation)]);
    }

    private static string Key(ThreeWRow row) => $"{row.OrganisationAcronym.ToUpperInvariant()}\u0000{row.OrganisationName.ToUpperInvariant()}";

    private static string ColumnOf(string field) => field switch
    {
        "id" => "#meta+id",
        "activity" => "#activity",
        "location_name" => "#loc+name",
        "location" => "#geo+lat",
        "pcode" => "#adm1+code or #adm2+code",
        "end" => "#date+end",
        "start" => "#date+start",
        _ => field,
    };
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Exporters.Indicators;
using Xunit;

namespace Geo.Exporters.Tests.Indicators;

public sealed class IndicatorExportTests
{
    private static readonly IndicatorPeriod Q3 = new(PeriodKind.Quarter, new DateOnly(2026, 7, 1), new DateOnly(2026, 9, 30));
    private static readonly DateTimeOffset ComputedAt = new(2026, 10, 15, 9, 30, 12, 345, TimeSpan.Zero);

    private static IndicatorDefinition Definition(string code) => IndicatorCatalogue.Find(code)!;

    /// <summary>A report of one base with a staffing ratio and an alert count broken down by two groups, one withheld.</summary>
    private static IndicatorReport Report(string baseName = "COB Kamango", string sector = "Secteur Nord, Beni", double? baseline = 33.333333333333336)
    {
        IndicatorValue[] values =
        [
            new(Definition(IndicatorCatalogue.Staffed), IndicatorFigure.Ratio(2, 3), [], new IndicatorGoal(baseline, 80)),
            new(Definition(IndicatorCatalogue.EarlyWarnings), IndicatorFigure.Count(12),
            [
                new DisaggregatedCount(Disaggregation.OfCell(AffectedPeople.Cell(Sex.Female, AgeGroup.Child)), 7, false),
                new DisaggregatedCount(Disaggregation.OfCell(AffectedPeople.Cell(Sex.Unknown, AgeGroup.Older)), null, true),
            ], IndicatorGoal.None),
        ];
        return new IndicatorReport(Q3, IndicatorLevel.Base, "cob-7", new DateOnly(2026, 9, 30), ComputedAt, "MONUSCO GeoAwareness",
            [new IndicatorUnit(IndicatorLevel.Base, sector, "cob-7", baseName, values)]);
    }

    private static string Text(byte[] content)
    {
        Assert.Equal(Encoding.UTF8.GetPreamble(), content[..3]);
        return Encoding.UTF8.GetString(content[3..]);
    }

    [Fact]
    public void Csv_Report_OneRowPerIndicatorUnitAndDisaggregationWithRfc4180Quoting()
    {
        var lines = Text(IndicatorCsv.Write(Report(), hxl: false)).Split("\r\n");

        Assert.Equal(
            "period,period_start,period_end,evaluated_on,level,sector,base_id,base_name,indicator_code,indicator_title,unit_of_measure,disaggregation," +
            "disaggregation_key,sex,age_group,hxl_group,value,numerator,denominator,withheld,baseline,target,data_source,computed_at",
            lines[0]);
        Assert.Equal(
            "2026-Q3,2026-07-01,2026-09-30,2026-09-30,base,\"Secteur Nord, Beni\",cob-7,COB Kamango,CLA-STAFFED,Bases with a CLA team of at least two,percent,total,,,,," +
            "66.7,2,3,false,33.333333333333336,80,MONUSCO GeoAwareness: CLA deployments,2026-10-15T09:30:12Z",
            lines[1]);
        Assert.Equal(
            "2026-Q3,2026-07-01,2026-09-30,2026-09-30,base,\"Secteur Nord, Beni\",cob-7,COB Kamango,EW-ALERTS,Early-warning alerts received,observations,total,,,,," +
            "12,,,false,,,MONUSCO GeoAwareness: CLA observations,2026-10-15T09:30:12Z",
            lines[2]);
        Assert.EndsWith(",sex_age,female_child,female,child,#affected+f+children,7,,,false,,,MONUSCO GeoAwareness: CLA observations,2026-10-15T09:30:12Z", lines[3], StringComparison.Ordinal);
        Assert.EndsWith(",sex_age,unknown_older,unknown,older,#affected+sex_unknown+elderly,,,,true,,,MONUSCO GeoAwareness: CLA observations,2026-10-15T09:30:12Z", lines[4], StringComparison.Ordinal);
        Assert.Equal([""], lines[5..]);
    }

    [Fact]
    public void Csv_Hxl_AddsTheHashtagRowUnderTheHeader()
    {
        var lines = Text(IndicatorCsv.Write(Report(), hxl: true)).Split("\r\n");

        Assert.Equal(
            "#meta+period,#date+start,#date+end,#date+evaluated,#meta+level,#adm1+name,#loc+code,#loc+name,#indicator+code,#indicator+name,#indicator+unit," +
            "#indicator+disaggregation,#indicator+disaggregation+code,#meta+sex,#meta+age,#meta+hxl,#indicator+value+num,#indicator+numerator+num," +
            "#indicator+denominator+num,#indicator+withheld,#indicator+baseline+num,#indicator+target+num,#meta+source,#date+computed",
            lines[1]);
        Assert.StartsWith("2026-Q3,", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_QuotesAndLineBreaksInNames_AreQuotedAndDoubled()
    {
        var lines = Text(IndicatorCsv.Write(Report(baseName: "TOB \"Lac\"\nNord"), hxl: false)).Split("\r\n");

        Assert.Contains(",cob-7,\"TOB \"\"Lac\"\"\nNord\",CLA-STAFFED,", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+2", "'+2")]
    [InlineData("-Ouest", "'-Ouest")]
    [InlineData("@sum", "'@sum")]
    [InlineData("Nord-Kivu", "Nord-Kivu")]
    public void Csv_TextAFormulaWouldRun_IsNeutralisedButNumbersAreNot(string sector, string written)
    {
        var line = Text(IndicatorCsv.Write(Report(sector: sector), hxl: false)).Split("\r\n")[1];

        Assert.Contains($",base,{written},cob-7,", line, StringComparison.Ordinal);
        Assert.Contains(",66.7,2,3,", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Writers_CurrentCultureWithDecimalComma_StillWriteInvariantNumbers()
    {
        var before = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        try
        {
            var csv = Text(IndicatorCsv.Write(Report(), hxl: false));
            var json = Encoding.UTF8.GetString(IndicatorJson.Write(Report()));

            Assert.Contains(",66.7,2,3,false,33.333333333333336,80,", csv, StringComparison.Ordinal);
            Assert.Contains("\"value\":66.7,", json, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void Json_Report_CarriesTheCatalogueAndEveryFigureWithNullsForWhatIsAbsent()
    {
        using var json = JsonDocument.Parse(IndicatorJson.Write(Report()));
        var root = json.RootElement;

        Assert.Equal(("2026-Q3", "2026-07-01", "2026-09-30", "2026-09-30", "base", "2026-10-15T09:30:12Z"), (
            root.GetProperty("period").GetString(), root.GetProperty("period_start").GetString(), root.GetProperty("period_end").GetString(),
            root.GetProperty("evaluated_on").GetString(), root.GetProperty("level").GetString(), root.GetProperty("computed_at").GetString()));
        Assert.Equal(IndicatorCatalogue.All.Select(d => d.Code), root.GetProperty("indicators").EnumerateArray().Select(i => i.GetProperty("indicator_code").GetString()));
        var unit = root.GetProperty("units")[0];
        Assert.Equal(("Secteur Nord, Beni", "cob-7", "COB Kamango"), (unit.GetProperty("sector").GetString(), unit.GetProperty("base_id").GetString(), unit.GetProperty("base_name").GetString()));
        var staffed = unit.GetProperty("values")[0];
        Assert.Equal((66.7, 2, 3, 33.333333333333336, 80.0), (staffed.GetProperty("value").GetDouble(), staffed.GetProperty("numerator").GetInt64(),
            staffed.GetProperty("denominator").GetInt64(), staffed.GetProperty("baseline").GetDouble(), staffed.GetProperty("target").GetDouble()));
        var alerts = unit.GetProperty("values")[1];
        Assert.Equal(JsonValueKind.Null, alerts.GetProperty("numerator").ValueKind);
        var withheld = alerts.GetProperty("disaggregations")[1];
        Assert.Equal((JsonValueKind.Null, true, "#affected+sex_unknown+elderly"), (withheld.GetProperty("value").ValueKind, withheld.GetProperty("withheld").GetBoolean(), withheld.GetProperty("hxl_group").GetString()));
    }

    [Theory]
    [InlineData(66.7)]
    [InlineData(0.1)]
    [InlineData(100.0)]
    [InlineData(33.333333333333336)]
    [InlineData(1e-7)]
    [InlineData(123456789012.5)]
    public void Numbers_BothFormats_PrintTheSameText(double number)
    {
        var report = Report(sector: "Nord", baseline: number);
        var csv = Text(IndicatorCsv.Write(report, hxl: false)).Split("\r\n")[1].Split(',')[20];
        using var json = JsonDocument.Parse(IndicatorJson.Write(report));

        Assert.Equal(json.RootElement.GetProperty("units")[0].GetProperty("values")[0].GetProperty("baseline").GetRawText(), csv);
        Assert.Equal(number, double.Parse(csv, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Document_FileNameAndContentType_NameThePeriodLevelAndUnit()
    {
        var csv = IndicatorDocument.Write(Report(), IndicatorFormat.Csv, hxl: false);
        var json = IndicatorDocument.Write(Report() with { Period = new IndicatorPeriod(PeriodKind.Custom, new DateOnly(2026, 7, 15), new DateOnly(2026, 8, 14)), UnitId = "cob 7/ä" }, IndicatorFormat.Json, hxl: false);

        Assert.Equal(("text/csv; charset=utf-8", "geoawareness-indicators-2026-Q3-base-cob-7.csv"), (csv.ContentType, csv.FileName));
        Assert.Equal(("application/json", "geoawareness-indicators-2026-07-15_2026-08-14-base-cob_7__.json"), (json.ContentType, json.FileName));
    }

    [Theory]
    [InlineData("xml", "format: 'xml' is not an export format: csv or json")]
    [InlineData("CSV ", "format: 'CSV ' is not an export format: csv or json")]
    public void ReadFormat_Unknown_NamesTheField(string text, string expected)
    {
        var errors = new FieldErrors();

        IndicatorDocument.ReadFormat(text, errors);

        Assert.Equal(expected, errors.First!.ToString());
    }

    [Fact]
    public void CheckHxl_WithJson_NamesTheField()
    {
        var errors = new FieldErrors();

        IndicatorDocument.CheckHxl(IndicatorFormat.Json, hxl: true, errors);

        Assert.Equal("hxl: the HXL hashtag row is for CSV only; leave hxl unset with JSON", errors.First!.ToString());
    }
}

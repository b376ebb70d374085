using Geo.Grpc.Tests.Civilian;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary><c>geoaware actors</c>: a liaison loads a 3W file from a terminal; an analyst lists, exports and counts what it may.</summary>
public sealed class ActorsCommandTests(CivilianPictureTests.CivilianFixture fixture) : IClassFixture<CivilianPictureTests.CivilianFixture>
{
    private Task<CliResult> RunAsync(Role role, params string[] args) =>
        CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(role), ["actors", .. args]);

    [Fact]
    public async Task Actors_ImportFromAFile_ThenListExportAndSummarize_AsEachRoleMay()
    {
        var folder = Directory.CreateTempSubdirectory("actors-cli").FullName;
        var sheet = Path.Combine(folder, "3w.csv");
        await File.WriteAllTextAsync(sheet,
            "Organisation,Type,Sector,Activity,Lat,Lon,Start,Sharing\r\n#org+name,#org+type,#sector,#activity,#geo+lat,#geo+lon,#date+start,#meta+sharing\r\n" +
            "World Food Programme,UN Agency,Food Security,General food distribution,-1.61,29.21,2026-10-01,mission\r\n" +
            "Hidden Helpers,NNGO,Protection,Listening points,-1.62,29.22,2026-10-01,liaison-only\r\n");

        var dry = await RunAsync(Role.HumanitarianLiaison, "import", sheet, "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.StartsWith("would store: 2 rows, 2 created", dry.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("General food distribution", (await RunAsync(Role.HumanitarianLiaison, "list")).Output, StringComparison.Ordinal);

        var stored = await RunAsync(Role.HumanitarianLiaison, "import", sheet);
        Assert.StartsWith("stored: 2 rows, 2 created, 0 updated, 0 unchanged, 2 new organisations", stored.Output, StringComparison.Ordinal);

        var listed = await RunAsync(Role.Analyst, "list", "--sector", "food-security,protection", "--bbox", "29.1,-1.7,29.3,-1.5");
        Assert.Contains("\tfood-security\tGeneral food distribution\t-1.61,29.21\tongoing\t2026-10-01\t-\tmission", listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening points", listed.Output, StringComparison.Ordinal);

        var exported = Path.Combine(folder, "out.csv");
        var export = await RunAsync(Role.Analyst, "export", "--bbox", "29.1,-1.7,29.3,-1.5", "--output", exported);
        Assert.True(export.ExitCode == 0, export.ToString());
        var text = await File.ReadAllTextAsync(exported);
        Assert.Contains("World Food Programme", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden Helpers", text, StringComparison.Ordinal);

        var summary = await RunAsync(Role.Analyst, "summary", "--bbox", "29.1,-1.7,29.3,-1.5", "--sector", "protection");
        Assert.Contains("29,-1.75,29.25,-1.5\tprotection\t1\t1", summary.Output, StringComparison.Ordinal);

        var bad = Path.Combine(folder, "bad.csv");
        await File.WriteAllTextAsync(bad, "#org+name,#org+type,#sector,#date+start,#adm1+code\r\nX,INGO,Astrology,2026-01-01,CD61\r\n");
        var refused = await RunAsync(Role.HumanitarianLiaison, "import", bad);
        Assert.Equal(6, refused.ExitCode);
        Assert.Contains("line 2, #sector: 'Astrology' is not a sector", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing stored", refused.Error, StringComparison.Ordinal);
    }
}

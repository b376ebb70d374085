using System.Globalization;
using System.Text.RegularExpressions;
using Geo.Testing;
using Xunit;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The heat-map oracle's own self-check (tests/oracles/check_oracle.py: hand-computed cases and a
/// brute-force cross-check), run as a test, so that an oracle broken by an edit fails the build
/// rather than silently agreeing with whatever the service computes.
/// </summary>
public sealed partial class OracleSelfCheckTests
{
    /// <summary>Checks the self-check makes today; fewer means cases were dropped, not passed.</summary>
    private const int ChecksToday = 437;

    [Fact]
    public void CheckOracle_EveryCheckPasses()
    {
        // The brute-force comparisons take about a minute on two busy cores.
        var (exitCode, output, error) = HeatMapOracle.RunScript("check_oracle.py", [], limit: TimeSpan.FromMinutes(10));

        Assert.True(exitCode == 0, $"check_oracle.py exited {exitCode}:\n{output}\n{error}");
        var summary = Summary().Match(output);
        Assert.True(summary.Success, $"no summary line in:\n{output}");
        Assert.Equal("0", summary.Groups["failures"].Value);
        Assert.True(int.Parse(summary.Groups["checks"].Value, CultureInfo.InvariantCulture) >= ChecksToday, summary.Value);
    }

    [GeneratedRegex(@"^(?<checks>\d+) checks, (?<failures>\d+) failures$", RegexOptions.Multiline)]
    private static partial Regex Summary();
}

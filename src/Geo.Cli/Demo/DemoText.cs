using System.Globalization;
using System.Text;

namespace Geo.Cli.Demo;

/// <summary>What <c>geoaware demo</c> and <c>geoaware serve --demo</c> tell the user.</summary>
internal static class DemoText
{
    /// <summary>The subject of the short-lived tokens that load the demo.</summary>
    public const string LoaderSubject = "demo-loader";

    public static string NotEmpty(int seed) =>
        $"the service already holds a mission that is not the demo of seed {seed}: the demo loads only into an empty service (no bases, no observations)";

    public static string Loaded(DemoLoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var what = string.Create(
            CultureInfo.InvariantCulture,
            $"{report.Sectors.Total} sectors, {report.Communities.Total} communities, {report.Bases.Total} bases, {report.Deployments.Total} CLA deployments, {report.Roads.Total} roads, {report.Observations.Total:N0} observations");
        var mission = string.Create(CultureInfo.InvariantCulture, $"the demo mission (seed {report.Seed}, as of {report.LoadDate:yyyy-MM-dd})");
        if (report.ChangedNothing)
        {
            return $"{mission} is already loaded: nothing changed ({what})";
        }

        var already = report.Sectors.AlreadyThere + report.Communities.AlreadyThere + report.Bases.AlreadyThere + report.Deployments.AlreadyThere + report.Observations.AlreadyThere
            + report.Roads.AlreadyThere;
        return already == 0
            ? $"loaded {mission}: {what}"
            : string.Create(CultureInfo.InvariantCulture, $"completed {mission}: {what}; {already:N0} of them were already there");
    }

    /// <summary>
    /// Where to look once the service is ready: the map page, the demo token when one was just
    /// issued (a stored token cannot be shown again: only its hash is kept), and commands to try.
    /// </summary>
    public static string Banner(Uri grpc, Uri http, string? token, DateOnly today, string program)
    {
        ArgumentNullException.ThrowIfNull(grpc);
        ArgumentNullException.ThrowIfNull(http);
        var map = new Uri(Reachable(http), "/map");
        var lines = new StringBuilder();
        lines.AppendLine();
        lines.AppendLine(CultureInfo.InvariantCulture, $"GeoAwareness is ready: gRPC {Reachable(grpc)}  HTTP {Reachable(http)}");
        if (token is null)
        {
            lines.AppendLine("Issue yourself a token (tokens are shown only once; the command takes this service's settings) and open the map with it:");
            lines.AppendLine("  scripts/run.sh token issue --role planner --subject your-name");
            lines.AppendLine(CultureInfo.InvariantCulture, $"  {map}#token=<token>");
        }
        else
        {
            lines.AppendLine(CultureInfo.InvariantCulture, $"Open the map:  {map}#token={token}");
            lines.AppendLine();
            lines.AppendLine(CultureInfo.InvariantCulture, $"Demo token (planner, subject {ServeDemo.TokenSubject}, valid {ServeDemo.TokenDays} days, shown only now):");
            lines.AppendLine(CultureInfo.InvariantCulture, $"  export {Connection.ServiceOptions.TokenVariable}={token}");
        }

        if (Reachable(grpc) != new Uri(Connection.ServiceOptions.DefaultService))
        {
            lines.AppendLine(CultureInfo.InvariantCulture, $"  export {Connection.ServiceOptions.ServiceVariable}={Reachable(grpc)}");
        }

        var lastMonth = today.AddMonths(-1);
        lines.AppendLine();
        lines.AppendLine("Then try:");
        lines.AppendLine(CultureInfo.InvariantCulture, $"  {program} gaps");
        lines.AppendLine(CultureInfo.InvariantCulture, $"  {program} heatmap --bbox {DemoBox()} --selector women-and-girls --cell-metres 5000 --png heat.png");
        lines.AppendLine(CultureInfo.InvariantCulture, $"  {program} indicators --period {lastMonth:yyyy-MM} --level mission");
        lines.AppendLine();
        lines.Append("Stop with Ctrl+C.");
        return lines.ToString();
    }

    /// <summary>The demo's region as --bbox takes it, rounded outwards to two decimals.</summary>
    private static string DemoBox()
    {
        var region = Geo.Synthetic.DemoMission.Region;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Math.Floor(region.West * 100) / 100},{Math.Floor(region.South * 100) / 100},{Math.Ceiling(region.East * 100) / 100},{Math.Ceiling(region.North * 100) / 100}");
    }

    /// <summary>A listener on every interface is reached on the loopback address.</summary>
    private static Uri Reachable(Uri endpoint) => endpoint.Host is "0.0.0.0" or "[::]"
        ? new UriBuilder(endpoint) { Host = "127.0.0.1" }.Uri
        : endpoint;
}

using Microsoft.Extensions.Logging;

namespace Geo.LocalCluster;

/// <summary>
/// Finds PostgreSQL's server programs and PostGIS as Debian installs them, and installs them
/// from Debian packages when they are missing and we may.
/// </summary>
internal sealed class PostgresInstallation
{
    private PostgresInstallation(int majorVersion, string binDirectory)
    {
        MajorVersion = majorVersion;
        BinDirectory = binDirectory;
    }

    public int MajorVersion { get; }

    public string BinDirectory { get; }

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>One of PostgreSQL's client programs (pg_dump, pg_restore, pg_basebackup) of this version.</summary>
    public string Tool(string name) => Path.Combine(BinDirectory, name);

    /// <summary>The installed PostgreSQL of <paramref name="major"/>, without installing anything.</summary>
    public static PostgresInstallation Locate(int major) => TryLocate(major) ?? throw new LocalClusterException(
        $"PostgreSQL {major} with PostGIS 3 is not installed. Install it with: apt-get update && apt-get install -y {PackageName(major)}");

    public static string PackageName(int majorVersion) => $"postgresql-{majorVersion}-postgis-3";

    public static async Task<PostgresInstallation> LocateOrInstallAsync(
        LocalClusterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var major = options.PostgresMajorVersion;
        if (TryLocate(major) is { } found)
        {
            return found;
        }

        var package = PackageName(major);
        var manualCommand = $"apt-get update && apt-get install -y {package}";
        if (!options.InstallIfMissing)
        {
            throw new LocalClusterException(
                $"PostgreSQL {major} with PostGIS 3 is not installed. Install it with: {manualCommand}");
        }

        if (!SystemAccount.IsRoot)
        {
            throw new LocalClusterException(
                $"PostgreSQL {major} with PostGIS 3 is not installed, and installing it needs root. Run: sudo {manualCommand}");
        }

        ClusterLog.InstallingPostgres(logger, package);
        var install = await AptInstallAsync(package, cancellationToken).ConfigureAwait(false);
        if (!install.Succeeded || TryLocate(major) is not { } installed)
        {
            throw new LocalClusterException(
                $"PostgreSQL {major} with PostGIS 3 is not installed and apt-get could not install it " +
                $"({LastLine(install.Output)}). Install it with: {manualCommand}");
        }

        ClusterLog.InstalledPostgres(logger, package);
        return installed;
    }

    private static PostgresInstallation? TryLocate(int major)
    {
        var bin = $"/usr/lib/postgresql/{major}/bin";
        var postgisControl = $"/usr/share/postgresql/{major}/extension/postgis.control";
        return File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "postgres")) && File.Exists(postgisControl)
            ? new PostgresInstallation(major, bin)
            : null;
    }

    private static async Task<ProcessResult> AptInstallAsync(string package, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromMinutes(10);
        string[] install = ["install", "-y", "-q", "--no-install-recommends", package];
        var first = await ProcessRunner.RunAsync("apt-get", install, asUser: null, timeout, cancellationToken).ConfigureAwait(false);
        if (first.Succeeded)
        {
            return first;
        }

        // A fresh machine has no package lists yet.
        var update = await ProcessRunner.RunAsync("apt-get", ["update", "-q"], asUser: null, timeout, cancellationToken).ConfigureAwait(false);
        return update.Succeeded
            ? await ProcessRunner.RunAsync("apt-get", install, asUser: null, timeout, cancellationToken).ConfigureAwait(false)
            : update;
    }

    internal static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "no output" : lines[^1];
    }
}

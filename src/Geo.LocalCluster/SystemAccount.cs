namespace Geo.LocalCluster;

/// <summary>Who we run as, and handing folders to the account that runs PostgreSQL.</summary>
internal static class SystemAccount
{
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static async Task GiveToAsync(string path, string user, CancellationToken cancellationToken, bool recursive = false)
    {
        var result = await ProcessRunner.RunAsync(
            "chown", recursive ? ["-R", $"{user}:", path] : [$"{user}:", path], asUser: null, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new LocalClusterException(
                $"cannot hand {path} to the '{user}' account that runs PostgreSQL: {PostgresInstallation.LastLine(result.Output)}");
        }
    }

    /// <summary>True when <paramref name="user"/> can reach <paramref name="path"/> through every parent folder.</summary>
    public static async Task<bool> CanReachAsync(string path, string user, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(
            "test", ["-x", path], user, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }
}

namespace Geo.Cli;

/// <summary>What a script can rely on from <c>geoaware</c>'s exit status (listed in the README).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The service refused the request (bad argument, not found, conflict) or the command failed.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>The service (or the database, for serve and db) cannot be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>No token, or a token the service does not accept (unknown, expired, revoked).</summary>
    public const int Unauthenticated = 4;

    /// <summary>The token is valid but its role may not do this.</summary>
    public const int PermissionDenied = 5;

    /// <summary>Input rows were rejected (ingest): each is reported with its line and reason.</summary>
    public const int RowsRejected = 6;
}

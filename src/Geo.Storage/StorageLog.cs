using Microsoft.Extensions.Logging;

namespace Geo.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(1020, LogLevel.Information, "Applying migration {Migration}")]
    public static partial void ApplyingMigration(ILogger logger, string migration);

    [LoggerMessage(1021, LogLevel.Information, "Database schema is at version {Version} ({Applied} migration(s) applied now)")]
    public static partial void SchemaReady(ILogger logger, int version, int applied);
}

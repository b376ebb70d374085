using System.Net.Sockets;
using Npgsql;

namespace Geo.Storage;

/// <summary>Tells a database that is down or restarting (worth retrying) from a request's own fault.</summary>
public static class DatabaseFaults
{
    public static bool IsUnavailable(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    // 08: connection exception; 57P01-57P03: shutdown, crash, not accepting connections yet.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;
                case SocketException or EndOfStreamException or TimeoutException:
                    return true;
                case IOException when e.InnerException is null or SocketException:
                    return true;
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }

        return false;
    }
}

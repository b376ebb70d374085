using System.Net.Sockets;
using Npgsql;

namespace Geo.Storage;

/// <summary>Tells a database that is down or restarting (worth retrying) from a request's own fault.</summary>
public static class DatabaseFaults
{
    /// <summary>What Npgsql's multi-host pool throws when no host is of the kind asked for (NpgsqlMultiHostDataSource).</summary>
    private const string NoPrimaryYet = "No suitable host was found.";

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
                // Several hosts, none of them the primary right now (it died; its standby is not
                // promoted yet): Npgsql says so with this message and nothing inside it.
                case NpgsqlException { InnerException: null, Message: NoPrimaryYet } when e is not PostgresException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when PostgreSQL rolled the transaction back because it collided with a concurrent one
    /// (a deadlock, 40P01, or a serialization failure, 40001): nothing of it was stored, and the
    /// same call again may well succeed (or meet what the other one stored).
    /// </summary>
    public static bool IsConcurrencyAbort(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the database refused a text value it cannot store: PostgreSQL text holds no NUL
    /// (U+0000) and answers 22021 (or 22P05) for one. That is the caller's input, not a fault:
    /// free-text fields (summaries, names, notes, filter ids) reach the database unchecked for it.
    /// </summary>
    public static bool IsUnstorableText(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter })
            {
                return true;
            }
        }

        return false;
    }
}

using System.Runtime.CompilerServices;
using Geo.Core.Domain;
using Npgsql;

namespace Geo.Storage.Webhooks;

/// <summary>A hook as stored. <see cref="Secret"/> never leaves the service except when made or rotated.</summary>
public sealed record StoredWebhook(
    string Id,
    string Name,
    string Url,
    string TokenId,
    byte[] Request,
    string Secret,
    string Cursor,
    WebhookState State,
    string StateReason,
    int Failures,
    DateTimeOffset NextAttemptAt,
    long Delivered,
    DateTimeOffset? LastDeliveredAt,
    string CreatedBy,
    DateTimeOffset CreatedAt);

/// <summary>One attempt to deliver one event.</summary>
public sealed record WebhookAttempt(string EventCursor, string EventKind, int Attempt, int? HttpStatus, bool Delivered, string Error, int DurationMs);

/// <summary>An attempt as the delivery log keeps it.</summary>
public sealed record LoggedAttempt(DateTimeOffset At, WebhookAttempt Attempt);

/// <summary>
/// The SQL of webhooks (migration 10). Delivery steps are conditional on the lease: a process that
/// lost its lease (it stalled past it, the hook was paused, deleted or taken over) changes nothing.
/// </summary>
public sealed class WebhookStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, name, url, token_id, request, secret, cursor, state, state_reason, failures, next_attempt_at, delivered, last_delivered_at, created_by, created_at";

    public async Task InsertAsync(StoredWebhook hook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hook);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO webhooks (id, name, url, token_id, request, secret, cursor, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        Add(command, hook.Id, hook.Name, hook.Url, hook.TokenId);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hook.Request });
        Add(command, hook.Secret, hook.Cursor, hook.CreatedBy);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredWebhook?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE id = $1");
        Add(command, id);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StoredWebhook> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Read(reader);
        }
    }

    /// <summary>Sets the state (an administrator's pause or resume, or the service's suspension); resuming forgets the failures and tries at once.</summary>
    public async Task<StoredWebhook?> SetStateAsync(string id, WebhookState state, string reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE webhooks SET state = $2, state_reason = $3, version = version + 1, " +
            "failures = CASE WHEN $2 = 1 THEN 0 ELSE failures END, next_attempt_at = CASE WHEN $2 = 1 THEN now() ELSE next_attempt_at END " +
            $"WHERE id = $1 RETURNING {Columns}");
        Add(command, id);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)state });
        Add(command, reason);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredWebhook?> SetSecretAsync(string id, string secret, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"UPDATE webhooks SET secret = $2, version = version + 1 WHERE id = $1 RETURNING {Columns}");
        Add(command, id, secret);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredWebhook?> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM webhooks WHERE id = $1 RETURNING {Columns}");
        Add(command, id);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the lease of active hooks that are due and that no other process holds (or whose
    /// holder let the lease lapse), except those <paramref name="owner"/> is delivering already.
    /// </summary>
    public async Task<IReadOnlyList<StoredWebhook>> ClaimDueAsync(string owner, TimeSpan lease, IReadOnlyCollection<string> running, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE webhooks SET lease_owner = $1, lease_until = now() + $2 WHERE id IN (" +
            "SELECT id FROM webhooks WHERE state = 1 AND next_attempt_at <= now() AND NOT (id = ANY($3)) " +
            "AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < now()) FOR UPDATE SKIP LOCKED) " +
            $"RETURNING {Columns}");
        Add(command, owner);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. running] });
        var claimed = new List<StoredWebhook>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(Read(reader));
        }

        return claimed;
    }

    /// <summary>
    /// Just before a POST: the hook is still active and its lease still this process's (renewed).
    /// False when it was paused, deleted, suspended or taken over since the batch was read.
    /// </summary>
    public async Task<bool> HoldAsync(string id, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE webhooks SET lease_until = now() + $3 WHERE id = $1 AND lease_owner = $2 AND state = 1 RETURNING id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>The receiver took the event: the cursor moves past it, failures are forgotten, the lease renewed and the attempt logged. False when the lease is lost.</summary>
    public Task<bool> DeliveredAsync(string id, string owner, string cursor, TimeSpan lease, WebhookAttempt attempt, CancellationToken cancellationToken) =>
        StepAsync(
            "UPDATE webhooks SET cursor = $3, failures = 0, delivered = delivered + 1, last_delivered_at = now(), lease_until = now() + $4 " +
            "WHERE id = $1 AND lease_owner = $2 AND state = 1 RETURNING id",
            id, owner, cursor, lease, attempt, cancellationToken);

    /// <summary>Events this hook does not receive were passed over: the cursor moves, nothing is logged. False when the lease is lost.</summary>
    public Task<bool> PassedAsync(string id, string owner, string cursor, TimeSpan lease, CancellationToken cancellationToken) =>
        StepAsync(
            "UPDATE webhooks SET cursor = $3, lease_until = now() + $4 WHERE id = $1 AND lease_owner = $2 AND state = 1 RETURNING id",
            id, owner, cursor, lease, null, cancellationToken);

    /// <summary>
    /// The attempt failed: the next is due after <paramref name="retryAfter"/>, or never while
    /// <paramref name="suspend"/> (said in <paramref name="reason"/>). The cursor moves only past
    /// events passed over before it. The lease is let go, so that any process may try next.
    /// </summary>
    public async Task FailedAsync(string id, string owner, string cursor, TimeSpan retryAfter, bool suspend, string reason, WebhookAttempt attempt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "UPDATE webhooks SET cursor = $3, failures = failures + 1, next_attempt_at = now() + $4, lease_owner = NULL, lease_until = NULL, " +
            "state = CASE WHEN $5 THEN 3 ELSE state END, state_reason = CASE WHEN $5 THEN $6 ELSE state_reason END " +
            "WHERE id = $1 AND lease_owner = $2 AND state = 1 RETURNING id", connection, transaction);
        Add(command, id, owner, cursor);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retryAfter });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = suspend });
        Add(command, reason);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            await LogAsync(connection, transaction, id, attempt, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Suspends a hook that cannot deliver at all (its token revoked, its sector gone), whoever holds it.</summary>
    public async Task SuspendAsync(string id, string owner, string reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE webhooks SET state = 3, state_reason = $3, lease_owner = NULL, lease_until = NULL, version = version + 1 WHERE id = $1 AND lease_owner = $2 AND state = 1");
        Add(command, id, owner, reason);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lets go of the leases <paramref name="owner"/> holds (the process is stopping), so another process takes over at once.</summary>
    public async Task ReleaseAllAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1");
        Add(command, owner);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the newest <paramref name="keep"/> attempts of the hook.</summary>
    public async Task PruneLogAsync(string id, int keep, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM webhook_deliveries WHERE hook_id = $1 AND id < (SELECT min(id) FROM (SELECT id FROM webhook_deliveries WHERE hook_id = $1 ORDER BY id DESC LIMIT $2) newest)");
        Add(command, id);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = keep });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<LoggedAttempt> ListDeliveriesAsync(string id, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT attempted_at, event_cursor, event_kind, attempt, http_status, outcome = 'delivered', error, duration_ms " +
            "FROM webhook_deliveries WHERE hook_id = $1 ORDER BY id DESC LIMIT $2");
        Add(command, id);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new LoggedAttempt(
                reader.GetFieldValue<DateTimeOffset>(0),
                new WebhookAttempt(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetBoolean(5), reader.GetString(6), reader.GetInt32(7)));
        }
    }

    private async Task<bool> StepAsync(string sql, string id, string owner, string cursor, TimeSpan lease, WebhookAttempt? attempt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        Add(command, id, owner, cursor);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
        var held = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        if (held && attempt is not null)
        {
            await LogAsync(connection, transaction, id, attempt, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return held;
    }

    private static async Task LogAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, WebhookAttempt attempt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO webhook_deliveries (hook_id, event_cursor, event_kind, attempt, http_status, outcome, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            connection, transaction);
        Add(command, id, attempt.EventCursor, attempt.EventKind);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.Attempt });
        command.Parameters.Add(new NpgsqlParameter { Value = attempt.HttpStatus is { } status ? status : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        Add(command, attempt.Delivered ? "delivered" : "failed", attempt.Error);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.DurationMs });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Add(NpgsqlCommand command, params string[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        }
    }

    private static async Task<StoredWebhook?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static StoredWebhook Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4), reader.GetString(5),
        reader.GetString(6), (WebhookState)reader.GetInt16(7), reader.GetString(8), reader.GetInt32(9), reader.GetFieldValue<DateTimeOffset>(10),
        reader.GetInt64(11), reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12), reader.GetString(13), reader.GetFieldValue<DateTimeOffset>(14));
}

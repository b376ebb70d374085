using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Geo.Core.Domain;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>A referral as stored: contact details and the receiving section, nothing about what happened.</summary>
public sealed record StoredReferral(string Id, ReferralSection Section, string ContactDetails, string SubmittedBy, DateTimeOffset SubmittedAt);

/// <summary>Referrals live in the confidential schema, apart from everything that is queried or exported.</summary>
public sealed class ReferralStore(NpgsqlDataSource dataSource)
{
    /// <summary>Stores a referral; returns false when the same referral was stored before.</summary>
    public async Task<bool> SubmitAsync(string id, ReferralSection section, string contactDetails, string submittedBy, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{(int)section}\u0000{contactDetails}\u0000{submittedBy}"));
        await using var command = dataSource.CreateCommand(
            "INSERT INTO confidential.referrals (id, section, contact_details, submitted_by, content_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)section });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = contactDetails });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = submittedBy });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            return true;
        }

        await using var same = dataSource.CreateCommand("SELECT content_hash = $2 FROM confidential.referrals WHERE id = $1");
        same.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        same.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        return await same.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true
            ? false
            : throw new RecordConflictException($"referral '{id}' (this client_id's) is already stored with other content") { Field = "client_id" };
    }

    public async IAsyncEnumerable<StoredReferral> ListAsync(ReferralSection section, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, section, contact_details, submitted_by, submitted_at FROM confidential.referrals WHERE section = $1 ORDER BY submitted_at, id");
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)section });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredReferral(reader.GetString(0), (ReferralSection)reader.GetInt16(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4));
        }
    }
}

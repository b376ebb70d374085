using Geo.Core.Validation;
using Google.Protobuf;

namespace Geo.Cli.Ingest;

/// <summary>Checks one row of a file as the service would, without sending it.</summary>
internal interface IRecordType
{
    ColumnSet Columns { get; }

    /// <summary>Judges the row; for a good one, its key in the file (the id column) and a fingerprint of its content.</summary>
    RowIdentity? Validate(InputRow row, DateTimeOffset now, FieldErrors errors);
}

/// <summary>A good row's key (as the file gives it) and a fingerprint of the message it makes.</summary>
internal readonly record struct RowIdentity(string Key, ulong Content);

/// <summary>
/// One kind of record: how a row becomes the API's message, and the checks the service makes of
/// that message (the same mapping and the same rules in Geo.Core), so a file is judged whole
/// before anything of it is sent.
/// </summary>
internal abstract class RecordType<TMessage> : IRecordType
    where TMessage : class, IMessage<TMessage>
{
    public abstract ColumnSet Columns { get; }

    /// <summary>The message for a row; what cannot be read is added to <paramref name="errors"/>.</summary>
    public abstract TMessage ToMessage(InputRow row, FieldErrors errors);

    /// <summary>The service's own mapping and rules, applied to the message.</summary>
    public abstract void Check(TMessage message, DateTimeOffset now, FieldErrors errors);

    /// <summary>The record's key as the file gives it: its id (sent as client_id for observations).</summary>
    public abstract string IdOf(TMessage message);

    public RowIdentity? Validate(InputRow row, DateTimeOffset now, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(errors);
        var message = ToMessage(row, errors);
        if (!errors.Any)
        {
            Check(message, now, errors);
        }

        return errors.Any ? null : new RowIdentity(IdOf(message), RowKeys.Fingerprint(message.ToByteArray()));
    }
}

/// <summary>A registry record, created one at a time through Registry.Create{Noun} and read back with Get{Noun}.</summary>
internal abstract class RegistryRecordType<TMessage> : RecordType<TMessage>
    where TMessage : class, IMessage<TMessage>
{
    /// <summary>Community, Base or Deployment, as the Registry's method names spell it.</summary>
    public abstract string Noun { get; }
}

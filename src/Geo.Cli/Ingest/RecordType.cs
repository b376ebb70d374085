using Geo.Api.V1;
using Geo.Core.Validation;
using Google.Protobuf;
using Grpc.Core;

namespace Geo.Cli.Ingest;

/// <summary>Checks one row of a file as the service would, without sending it.</summary>
internal interface IRecordType
{
    ColumnSet Columns { get; }

    void Validate(InputRow row, DateTimeOffset now, FieldErrors errors);
}

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

    public void Validate(InputRow row, DateTimeOffset now, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(errors);
        var message = ToMessage(row, errors);
        if (!errors.Any)
        {
            Check(message, now, errors);
        }
    }
}

/// <summary>A registry record, created one at a time through Registry.Create{Noun} and read back with Get{Noun}.</summary>
internal abstract class RegistryRecordType<TMessage> : RecordType<TMessage>
    where TMessage : class, IMessage<TMessage>
{
    /// <summary>The Registry's create call for this kind of record.</summary>
    public abstract AsyncUnaryCall<TMessage> Create(Registry.RegistryClient registry, TMessage message, CallOptions options);

    /// <summary>The Registry's get call for this kind of record.</summary>
    public abstract AsyncUnaryCall<TMessage> Get(Registry.RegistryClient registry, string id, CallOptions options);

    public abstract string IdOf(TMessage message);
}

using Geo.Core.Validation;
using Google.Protobuf;

namespace Geo.Cli.Ingest;

/// <summary>
/// The rows of a file that passed the check, read again as the API's messages for sending,
/// with the line each starts on; rows an earlier run had acknowledged are skipped unconverted.
/// </summary>
internal sealed class CheckedRows<TMessage>(string path, IngestFormat format, RecordType<TMessage> records)
    where TMessage : class, IMessage<TMessage>
{
    /// <summary>Rows read so far, skipped ones included.</summary>
    public long Rows { get; private set; }

    /// <summary>Bytes of the file read so far.</summary>
    public long Position { get; private set; }

    public IEnumerable<(TMessage Message, long Line)> After(long skip)
    {
        using var stream = RowFiles.OpenRead(path);
        var reader = RowFiles.Reader(stream, format, records.Columns);
        var row = new InputRow(records.Columns.Names.Count);
        var errors = new FieldErrors();
        while (reader.Read(row))
        {
            Rows++;
            Position = reader.Position;
            if (Rows <= skip)
            {
                continue;
            }

            var message = records.ToMessage(row, errors);
            if (errors.Any || row.Problems.Count > 0)
            {
                throw new CliException(ExitCodes.Failed, $"{path}:{row.Line}: the file changed after it was checked; run again");
            }

            yield return (message, row.Line);
        }
    }
}

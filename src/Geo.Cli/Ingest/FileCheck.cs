using Geo.Core.Validation;

namespace Geo.Cli.Ingest;

/// <summary>
/// The first pass: every row read and judged as the service would judge it, every bad one
/// reported; nothing is sent. A file with any bad row is then not sent at all.
/// </summary>
internal static class FileCheck
{
    /// <returns>The number of rows read.</returns>
    public static long Run(string path, IngestFormat format, IRecordType type, Rejections rejections, IngestMeter meter, CancellationToken cancellationToken)
    {
        using var stream = RowFiles.OpenRead(path);
        long rows = 0;
        try
        {
            var reader = RowFiles.Reader(stream, format, type.Columns);
            if (reader is CsvRowReader { HeaderProblems.Count: > 0 } csv)
            {
                rejections.Add(1, csv.HeaderProblems);
                return 0;
            }

            var row = new InputRow(type.Columns.Names.Count);
            var now = DateTimeOffset.UtcNow;
            while (reader.Read(row))
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows++;
                if (row.Problems.Count > 0)
                {
                    rejections.Add(row.Line, row.Problems);
                }
                else
                {
                    var errors = new FieldErrors();
                    type.Validate(row, now, errors);
                    if (errors.Any)
                    {
                        rejections.Add(row.Line, errors.All);
                    }
                }

                if ((rows & 1023) == 0)
                {
                    meter.Read(rows, reader.Position);
                }
            }

            meter.Read(rows, reader.Position);
        }
        catch (IngestFileException e)
        {
            rejections.Add(Math.Max(1, e.Line), e.Field, e.Reason);
        }

        return rows;
    }
}

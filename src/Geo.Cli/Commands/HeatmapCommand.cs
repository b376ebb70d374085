using System.CommandLine;
using System.Text;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Cli.Output;
using Geo.Cli.Pictures;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware heatmap</c>: a heat map or hot spots over an area, as the layer feed's GeoJSON
/// (the same bytes GET /feeds/layers/heat-map gives) and/or as a PNG picture with a legend drawn
/// from that same document.
/// </summary>
internal static class HeatmapCommand
{
    private const int DefaultWidth = 1200;
    private const int DefaultHeight = 800;

    public static Command Create(CliContext context)
    {
        var options = new HeatmapOptions();
        var command = new Command(
            "heatmap",
            "Where threats concentrate, and for whom: a heat map (or hot spots) of observations over an area and period, " +
            "as the layer feed's GeoJSON and/or a PNG picture with a legend. Pulls Feeds.PullLayer, so the token needs the feeds permission.\n\n" +
            "Examples:\n" +
            "  geoaware heatmap --bbox 29.0,-1.8,29.4,-1.4 --selector women-and-girls --png heat.png\n" +
            "  geoaware heatmap --bbox 29.0,-1.8,29.4,-1.4 --from 2026-01-01 --to 2026-04-01 --method hot-spots --cell-metres 2000 --geojson hot.geojson --png hot.png\n" +
            "  geoaware heatmap --polygon @sector-north.wkt --category threat-of-physical-violence --age child --grid hex > cells.geojson");
        options.AddTo(command);
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var ask = await HeatmapRequestReader.ReadAsync(parse, options, cancellationToken).ConfigureAwait(false);
            var geoJsonPath = parse.GetValue(options.GeoJson);
            var pngPath = parse.GetValue(options.Png);
            var toStdout = geoJsonPath == "-" || (geoJsonPath is null && pngPath is null);
            await using var geoJsonFile = geoJsonPath is null or "-" ? null : OpenOutput(geoJsonPath, "--geojson");
            await using var pngFile = pngPath is null ? null : OpenOutput(pngPath, "--png");

            // The picture is drawn from the whole document, so it is kept when one is asked for.
            using var document = pngFile is null ? null : new MemoryStream();
            var decoder = Encoding.UTF8.GetDecoder();
            long features = 0;
            await foreach (var chunk in service.StreamAsync(o => service.Api.Feeds.PullLayer(ask.Request, o), cancellationToken).ConfigureAwait(false))
            {
                var bytes = chunk.Geojson.Memory;
                document?.Write(bytes.Span);
                if (geoJsonFile is not null)
                {
                    await geoJsonFile.Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                }

                if (toStdout)
                {
                    var text = new char[decoder.GetCharCount(bytes.Span, flush: false)];
                    decoder.GetChars(bytes.Span, text, flush: false);
                    await context.Output.WriteAsync(text, cancellationToken).ConfigureAwait(false);
                }

                features = chunk.End?.Features ?? features;
            }

            if (toStdout)
            {
                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (geoJsonFile is not null)
            {
                await geoJsonFile.CommitAsync(cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"{geoJsonPath}: {features} cells").ConfigureAwait(false);
            }

            if (pngFile is not null)
            {
                var width = parse.GetValue(options.Width) ?? DefaultWidth;
                var height = parse.GetValue(options.Height) ?? DefaultHeight;
                using var layer = JsonDocument.Parse(document!.GetBuffer().AsMemory(0, (int)document.Length));
                var picture = HeatMapPicture.Draw(layer.RootElement, ask.Area, ask.Who, width, height);
                await pngFile.Stream.WriteAsync(PngEncoder.Encode(picture), cancellationToken).ConfigureAwait(false);
                await pngFile.CommitAsync(cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"{pngPath}: {width}x{height} picture of {features} cells").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Opens an output file before the service is asked, so that an unwritable path is a usage
    /// error naming <paramref name="option"/> up front rather than a failure after the pull.
    /// Unlike the other commands' files, a missing directory is refused: a map is written where asked.
    /// </summary>
    private static AtomicFile OpenOutput(string path, string option)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new CliException(ExitCodes.Usage, $"{option}: {path} is a directory, not a file");
        }

        if (Path.GetDirectoryName(full) is { } directory && !Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.Usage, $"{option}: cannot write {path}: there is no directory {directory}");
        }

        try
        {
            return AtomicFile.Open(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"{option}: cannot write {path}: {e.Message.Replace(AtomicFile.TemporaryPathFor(full), full, StringComparison.Ordinal)}");
        }
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Cli.Output;
using Geo.Grpc.Hosting;
using Grpc.Core;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware roads import|show</c>: the road network travel-time reach runs on. A GeoJSON file of
/// LineString / MultiLineString features with OSM tags (highway, seasonal, oneway) as properties,
/// as OpenStreetMap export tools (osmium, ogr2ogr, overpass) write it, goes to Roads.Import whole.
/// </summary>
internal static class RoadsCommand
{
    private const int FeaturesPerMessage = 500;

    public static Command Create(CliContext context)
    {
        var command = new Command("roads",
            "The road network that reach by travel time runs on: import a dataset of roads, or show what is stored.\n\n" +
            "Examples:\n" +
            "  geoaware roads import kivu-roads.geojson\n" +
            "  geoaware roads show");
        command.Subcommands.Add(Import(context));
        command.Subcommands.Add(Show(context));
        return command;
    }

    private static Command Import(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "a GeoJSON FeatureCollection of roads (LineString or MultiLineString, properties highway, seasonal, oneway, name)" };
        var dataset = new Option<string>("--dataset") { Description = "the dataset's name (default: the file's name); importing a dataset again replaces its roads", HelpName = "name" };
        var command = new Command("import",
            "Import roads. Every feature is checked first; if any is wrong nothing is stored and each wrong feature is named. " +
            "highway is an OSM highway=* value (motorway..tertiary, unclassified, residential, service, track, path, footway, ...) or primary, secondary, track or path; " +
            "seasonal=yes closes a road in the rainy season.\n\n" +
            "Examples:\n" +
            "  geoaware roads import kivu-roads.geojson\n" +
            "  ogr2ogr -f GeoJSON roads.geojson kivu.osm.pbf lines -where \"highway IS NOT NULL\" && geoaware roads import roads.geojson --dataset osm-kivu")
        {
            file, dataset,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            var features = Read(path);
            var name = parse.GetValue(dataset) ?? Path.GetFileNameWithoutExtension(path);
            using var call = service.Api.Roads.Import(service.Options(cancellationToken));
            try
            {
                var message = new ImportRoadsRequest { Dataset = name };
                foreach (var feature in features)
                {
                    message.Features.Add(feature);
                    if (message.Features.Count == FeaturesPerMessage)
                    {
                        await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                        message = new ImportRoadsRequest();
                    }
                }

                await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The service answered before the file was sent (a refusal): its status is the response's.
            }

            var report = await call.ResponseAsync.ConfigureAwait(false);
            await context.Output.WriteLineAsync(
                $"dataset {report.Dataset}: {report.Features} features, {report.Roads} roads, {report.Segments} segments stored" +
                (report.ReplacedRoads > 0 ? $", replacing {report.ReplacedRoads} roads of its earlier import" : string.Empty) +
                $"; network version {report.NetworkVersion}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var command = new Command("show",
            "What the stored network holds: roads, segments, kilometres by class (seasonal ones apart), datasets.\n\n" +
            "Examples:\n" +
            "  geoaware roads show");
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var summary = await service.Api.Roads.GetNetworkAsync(new GetRoadNetworkRequest(), service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync(
                $"road network version {summary.Version}: {summary.Roads} roads, {summary.Segments} segments, {summary.Vertices} vertices; " +
                $"datasets: {(summary.Datasets.Count == 0 ? "none" : string.Join(", ", summary.Datasets))}").ConfigureAwait(false);
            var table = Tables.Create("class", "km", "seasonal km");
            foreach (var c in summary.Classes)
            {
                Tables.AddRow(table, c.RoadClass.ToString().ToLowerInvariant(), c.Kilometres.ToString("0.0", CultureInfo.InvariantCulture),
                    c.SeasonalKilometres.ToString("0.0", CultureInfo.InvariantCulture));
            }

            Tables.Write(context, table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The file's features as the service takes them. What is not GeoJSON, or not a line, is
    /// refused here, naming the feature; what a line means (its tags) is for the service to judge.
    /// </summary>
    private static List<RoadFeature> Read(string path)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CliException(ExitCodes.Usage, $"{path}: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("features", out var all) || all.ValueKind != JsonValueKind.Array)
            {
                throw new CliException(ExitCodes.Usage, $"{path}: not a GeoJSON FeatureCollection (no \"features\" array)");
            }

            var features = new List<RoadFeature>();
            var problems = new List<string>();
            var index = 0;
            foreach (var element in all.EnumerateArray())
            {
                if (Feature(element, out var problem) is { } feature)
                {
                    features.Add(feature);
                }
                else
                {
                    problems.Add($"features[{index}]: {problem}");
                }

                index++;
            }

            if (problems.Count > 0)
            {
                throw new CliException(ExitCodes.Usage,
                    $"{path}: {problems.Count} of {index} feature(s) are not road lines; nothing was sent:\n  " + string.Join("\n  ", problems.Take(20)) +
                    (problems.Count > 20 ? $"\n  and {problems.Count - 20} more" : string.Empty));
            }

            return features;
        }
    }

    private static RoadFeature? Feature(JsonElement element, out string problem)
    {
        problem = string.Empty;
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
        {
            problem = "not a Feature with a geometry";
            return null;
        }

        var properties = element.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var feature = new RoadFeature
        {
            Id = element.TryGetProperty("id", out var id) ? Text(id) : Property(properties, "@id", "osm_id", "id"),
            Name = Property(properties, "name"),
            Highway = Property(properties, "highway", "class"),
            Seasonal = Property(properties, "seasonal"),
            Oneway = Property(properties, "oneway"),
        };
        var type = geometry.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            problem = $"its {type ?? "geometry"} has no coordinates";
            return null;
        }

        var lines = type switch
        {
            "LineString" => [coordinates],
            "MultiLineString" => coordinates.EnumerateArray().ToList(),
            _ => null,
        };
        if (lines is null)
        {
            problem = $"a {type ?? "geometry without a type"} is not a road: give LineString or MultiLineString";
            return null;
        }

        foreach (var line in lines)
        {
            if (line.ValueKind != JsonValueKind.Array)
            {
                problem = "a line is not an array of positions";
                return null;
            }

            var message = new RoadLineString();
            foreach (var position in line.EnumerateArray())
            {
                if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2
                    || position[0].ValueKind != JsonValueKind.Number || position[1].ValueKind != JsonValueKind.Number
                    || !position[0].TryGetDouble(out var lon) || !position[1].TryGetDouble(out var lat))
                {
                    problem = "a position is not [longitude, latitude]";
                    return null;
                }

                message.Coordinates.Add(lon);
                message.Coordinates.Add(lat);
            }

            feature.Lines.Add(message);
        }

        return feature;
    }

    private static string Property(JsonElement properties, params string[] names)
    {
        if (properties.ValueKind != JsonValueKind.Object)
        {
            return string.Empty;
        }

        foreach (var name in names)
        {
            if (properties.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return Text(value);
            }
        }

        return string.Empty;
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? string.Empty,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => string.Empty,
    };
}

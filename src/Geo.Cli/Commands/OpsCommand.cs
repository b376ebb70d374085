using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Google.Protobuf.WellKnownTypes;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware ops check FILE.geojson --from ... --to ...</c>: records a planned operation from a
/// drawn route or area (GeoJSON: a geometry, a Feature, or a FeatureCollection of one) and prints
/// what civilian it touches (Operations.CreateOperation or UpdateOperation, then CheckOperation).
/// </summary>
internal static class OpsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("ops", "Planned operations, confidential: record one and check what civilian it touches.\n\n" +
            "Example:\n  geoaware ops check patrol-beni.geojson --from 2026-12-20T06:00Z --to 2026-12-20T18:00Z --buffer 2000 --unit BANBATT-2");
        var file = new Argument<FileInfo>("file") { Description = "GeoJSON: a LineString (a route) or a Polygon (an area), alone, as a Feature, or the one feature of a FeatureCollection" };
        var from = CliOptions.Time("--from", "when it starts");
        from.Required = true;
        var to = CliOptions.Time("--to", "when it ends");
        to.Required = true;
        var buffer = CliOptions.Count("--buffer", "true metres around the route or area (a route needs one; default 1000)", 0, 50_000);
        var id = new Option<string>("--id") { Description = "the plan's id (default: op- and the file's name); an existing plan of that id is updated", HelpName = "id" };
        var name = new Option<string>("--name") { Description = "the plan's name (default: the file's name)", HelpName = "text" };
        var unit = new Option<string>("--unit") { Description = "the unit", HelpName = "unit" };
        var kind = CliOptions.Code<OperationKind>("--kind", "what it is (default patrol)");
        var days = CliOptions.Count("--threat-days", "threat observations of the last this many days (default 30)", 1, 365);
        var check = new Command("check",
            "Record the plan and print what it touches (facilities, communities and the teams that could inform them, presence, threats).\n\n" +
            "Example:\n  geoaware ops check patrol-beni.geojson --from 2026-12-20T06:00Z --to 2026-12-20T18:00Z --buffer 2000 --unit BANBATT-2")
        {
            file, from, to, buffer, id, name, unit, kind, days,
        };
        context.OnService(check, async (parse, service, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"file: '{path.FullName}' does not exist");
            }

            var (geometry, type) = Geometry(await File.ReadAllTextAsync(path.FullName, cancellationToken).ConfigureAwait(false));
            var stem = Path.GetFileNameWithoutExtension(path.Name);
            var plan = new PlannedOperation
            {
                Id = parse.GetValue(id) ?? "op-" + string.Concat(stem.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')),
                Name = parse.GetValue(name) ?? stem,
                Kind = parse.GetValue(kind) ?? OperationKind.Patrol,
                Unit = parse.GetValue(unit) ?? string.Empty,
                BufferMetres = parse.GetValue(buffer) ?? 1000,
                StartsAt = Timestamp.FromDateTimeOffset(parse.GetValue(from)!.Value),
                EndsAt = Timestamp.FromDateTimeOffset(parse.GetValue(to)!.Value),
            };
            if (type == "LineString")
            {
                plan.Route = new Shape { Geojson = geometry };
            }
            else
            {
                plan.Area = new Shape { Geojson = geometry };
            }

            var options = service.Options(cancellationToken);
            PlannedOperation stored;
            try
            {
                stored = await service.Api.Operations.CreateOperationAsync(plan, options).ConfigureAwait(false);
            }
            catch (global::Grpc.Core.RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.AlreadyExists)
            {
                stored = await service.Api.Operations.UpdateOperationAsync(new UpdateOperationRequest { Operation = plan }, service.Options(cancellationToken)).ConfigureAwait(false);
            }

            var result = await service.Api.Operations.CheckOperationAsync(new CheckOperationRequest { Id = stored.Id, ThreatDays = parse.GetValue(days) ?? 0 }, service.Options(cancellationToken))
                .ConfigureAwait(false);
            await WriteAsync(context.Output, stored, result).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(check);
        return command;
    }

    private static (string Geometry, string Type) Geometry(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var element = document.RootElement;
            if (element.TryGetProperty("type", out var type) && type.GetString() == "FeatureCollection")
            {
                var features = element.GetProperty("features");
                if (features.GetArrayLength() != 1)
                {
                    throw new CliException(ExitCodes.Usage, $"file: a FeatureCollection of {features.GetArrayLength()} features; give the one route or area to check");
                }

                element = features[0];
            }

            if (element.TryGetProperty("type", out type) && type.GetString() == "Feature")
            {
                element = element.GetProperty("geometry");
            }

            var kind = element.GetProperty("type").GetString() ?? string.Empty;
            return kind is "LineString" or "Polygon" or "MultiPolygon"
                ? (element.GetRawText(), kind)
                : throw new CliException(ExitCodes.Usage, $"file: a {kind}; a plan is a LineString (a route) or a Polygon (an area)");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CliException(ExitCodes.Usage, $"file: is not GeoJSON with a route or an area ({e.Message})");
        }
    }

    private static async Task WriteAsync(TextWriter output, PlannedOperation plan, OperationCheck check)
    {
        string Km(double metres) => metres < 1000 ? string.Create(CultureInfo.InvariantCulture, $"{metres:0} m") : string.Create(CultureInfo.InvariantCulture, $"{metres / 1000:0.0} km");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"operation {plan.Id} ({(plan.PlaceCase == PlannedOperation.PlaceOneofCase.Route ? "route" : "area")}, buffer {plan.BufferMetres} m, {plan.StartsAt.ToDateTimeOffset():yyyy-MM-ddTHH:mmZ}..{plan.EndsAt.ToDateTimeOffset():yyyy-MM-ddTHH:mmZ}), version {plan.Version}")).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"facilities {check.Facilities.Count} ({check.Facilities.Count(f => f.Confirmation != Confirmation.Current)} stale or unconfirmed, {check.Facilities.Count(f => f.Notified)} notified; {check.FacilitiesWithheld} withheld)")).ConfigureAwait(false);
        foreach (var f in check.Facilities)
        {
            await output.WriteLineAsync($"  {f.Id}\t{f.Name}\t{Word(f.Type)}\t{Word(f.Status)}\t{Word(f.Confirmation)}\t{Km(f.DistanceMetres)}{(f.Notified ? "\tnotified" : string.Empty)}").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"communities {check.Communities.Count} ({check.Communities.Count(c => c.RiskLevel >= RiskLevel.Medium)} at risk)").ConfigureAwait(false);
        foreach (var c in check.Communities)
        {
            var teams = string.Join("; ", c.Teams.Select(t => $"{t.BaseId} ({t.ClaCount} CLAs{(t.HasFemaleCla ? ", a woman" : string.Empty)}) {Km(t.DistanceMetres)}"));
            await output.WriteLineAsync($"  {c.Id}\t{c.Name}\t{Word(c.RiskLevel)}\t{Km(c.DistanceMetres)}{(teams.Length > 0 ? "\tinform through: " + teams : string.Empty)}").ConfigureAwait(false);
        }

        foreach (var p in check.Presence)
        {
            await output.WriteLineAsync($"presence {Word(p.Sector)}: {p.Records} record(s), {p.Organisations} organisation(s){(p.OrganisationNames.Count > 0 ? ": " + string.Join(", ", p.OrganisationNames) : string.Empty)}").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"threats ({check.ThreatDays} days): {(check.Threats.Count == 0 ? "none" : string.Join(", ", check.Threats.Select(t => $"{Word(t.Category)} {t.Count}")))}").ConfigureAwait(false);
    }

    private static string Word<T>(T code)
        where T : struct, System.Enum => Geo.Grpc.Hosting.CodeWords.Of(code);
}

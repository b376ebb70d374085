using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Connection;
using Geo.Cli.Ingest;
using Grpc.Core;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware ingest</c>: loads a GeoJSON or CSV file of observations, communities, bases or
/// deployments. The whole file is checked first and not sent at all when any row is bad; then it
/// is sent with progress recorded in a state file, so an interrupted run resumes where the
/// service last acknowledged.
/// </summary>
internal static class IngestCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "a GeoJSON FeatureCollection (.geojson, .json) or a CSV file with a header (.csv)" };
        var kind = new Option<string?>("--kind") { Description = "what the file holds (default: told by its property or column names)", HelpName = "kind" };
        kind.AcceptOnlyFromAmong("observations", "communities", "bases", "deployments");
        var format = new Option<string?>("--format") { Description = "geojson or csv (default: by the extension, else by the first character)", HelpName = "format" };
        format.AcceptOnlyFromAmong("geojson", "csv");
        var state = new Option<string?>("--state") { Description = $"the state file that makes a run resumable (default: <file>{IngestState.Suffix})", HelpName = "path" };
        var restart = new Option<bool>("--restart") { Description = "start from the first row even when the state file says an earlier run got further" };
        var reporter = new Option<string?>("--reporter") { Description = "reporter_id for observations without one (a SAGE feed export carries none)", HelpName = "cla-id" };
        var rowsPerCall = new Option<int>("--rows-per-call")
        {
            Description = "observations acknowledged together: the most a resumed run sends again",
            DefaultValueFactory = _ => 100_000,
            HelpName = "rows",
        };
        rowsPerCall.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < ObservationSender.MessageRows)
            {
                result.AddError($"--rows-per-call must be at least {ObservationSender.MessageRows}");
            }
        });

        var command = new Command("ingest",
            "Load observations, communities, bases or CLA deployments from a GeoJSON or CSV file. Every row is checked first; " +
            "when any is bad, each is reported as file:line: field: reason and nothing is sent (exit 6). A run that is " +
            "interrupted resumes on the next run of the same command; rows already stored are recognised by id and left as they are.\n\n" +
            "Examples:\n" +
            "  geoaware ingest bases.csv                                   # kind and format told by the header\n" +
            "  geoaware ingest observations.geojson --reporter cla-017     # a feed export, with one reporter\n" +
            "  geoaware ingest deployments.csv --kind deployments --restart")
        {
            file, kind, format, state, restart, reporter, rowsPerCall,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CliException(ExitCodes.Failed, $"{path}: no such file");
            }

            var run = new Run(context, service, path, parse.GetValue(reporter), parse.GetValue(rowsPerCall));
            return await run.ExecuteAsync(
                parse.GetValue(kind), parse.GetValue(format), parse.GetValue(state) ?? path + IngestState.Suffix, parse.GetValue(restart), cancellationToken)
                .ConfigureAwait(false);
        });
        return command;
    }

    private sealed class Run(CliContext context, ServiceConnection service, string path, string? reporter, int rowsPerCall)
    {
        public async Task<int> ExecuteAsync(string? kindName, string? formatName, string statePath, bool restart, CancellationToken cancellationToken)
        {
            var format = formatName is null ? RowFiles.InferFormat(path) : formatName == "csv" ? IngestFormat.Csv : IngestFormat.GeoJson;
            if (format is null)
            {
                throw new CliException(ExitCodes.Usage, $"{path}: cannot tell the format (the file is empty?); pass --format geojson or --format csv");
            }

            var kind = kindName is null ? ColumnSet.Infer(RowFiles.FirstNames(path, format.Value)) : Enum.Parse<IngestKind>(kindName, ignoreCase: true);
            if (kind is null)
            {
                throw new CliException(ExitCodes.Usage, $"{path}: cannot tell what the file holds from its {(format == IngestFormat.Csv ? "header" : "first feature's properties")}; pass --kind");
            }

            await PreflightAsync(kind.Value, cancellationToken).ConfigureAwait(false);
            if (kindName is null || formatName is null)
            {
                await context.Error.WriteLineAsync(
                    $"geoaware: reading {path} as {IngestNames.Of(kind.Value)} in {IngestNames.Of(format.Value)}" +
                    $" ({(kindName is null ? "kind told by its names" : "kind given")}, {(formatName is null ? "format told by the file" : "format given")})").ConfigureAwait(false);
            }

            var state = new IngestState(statePath, path, kind.Value, FileIdentity.Of(path));
            if (restart)
            {
                state.Delete();
            }

            state.Load();
            var skip = state.Earlier?.RowsAcknowledged ?? 0;
            if (state.Stale)
            {
                await context.Error.WriteLineAsync($"geoaware: {statePath} is of another file or version of it; starting from the first row").ConfigureAwait(false);
            }
            else if (skip > 0)
            {
                await context.Error.WriteLineAsync(
                    $"geoaware: resuming: {skip:N0} rows were acknowledged by an earlier run ({statePath}); sending from row {skip + 1:N0} (--restart to start over)")
                    .ConfigureAwait(false);
            }

            var meter = new IngestMeter(new FileInfo(path).Length);
            var rejections = new Rejections(path, context.Error);
            var clock = Stopwatch.StartNew();
            try
            {
                return await IngestProgress.RunAsync(meter, () => CheckAndSendAsync(kind.Value, format.Value, state, skip, meter, rejections, clock, cancellationToken))
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException && meter.Acknowledged + skip > 0)
            {
                await context.Error.WriteLineAsync(
                    $"geoaware: interrupted after {meter.Acknowledged + skip:N0} rows were acknowledged; the same command resumes from there").ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// A bad token, a role that may not read what it would load, or an unreachable service is one
        /// line before a long check rather than after it: one read of a record that is not there.
        /// </summary>
        private async Task PreflightAsync(IngestKind kind, CancellationToken cancellationToken)
        {
            const string nothing = "geoaware-ingest-preflight";
            var byId = new GetByIdRequest { Id = nothing };
            var options = service.Options(cancellationToken);
            try
            {
                _ = kind switch
                {
                    IngestKind.Observations => await service.Api.Observations.GetAsync(new GetObservationRequest { Id = nothing }, options),
                    IngestKind.Communities => await service.Api.Registry.GetCommunityAsync(byId, options),
                    IngestKind.Bases => await service.Api.Registry.GetBaseAsync(byId, options),
                    _ => (Google.Protobuf.IMessage)await service.Api.Registry.GetDeploymentAsync(byId, options),
                };
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // What a permitted caller is told.
            }

        }

        private async Task<int> CheckAndSendAsync(
            IngestKind kind, IngestFormat format, IngestState state, long skip, IngestMeter meter, Rejections rejections, Stopwatch clock, CancellationToken cancellationToken)
        {
            IRecordType records = kind switch
            {
                IngestKind.Observations => new ObservationRecords(reporter),
                IngestKind.Communities => new CommunityRecords(),
                IngestKind.Bases => new BaseRecords(),
                _ => new DeploymentRecords(),
            };
            var rows = await Task.Run(() => FileCheck.Run(path, format, records, rejections, meter, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (rejections.Rows > 0)
            {
                throw new CliException(ExitCodes.RowsRejected, $"{path}: {rejections.Rows:N0} of {rows:N0} rows rejected; nothing was sent");
            }

            meter.Restart("sending");
            var examples = new List<string>();
            var outcome = records switch
            {
                ObservationRecords observations => await SendObservationsAsync(observations, format, state, skip, meter, rejections, examples, cancellationToken).ConfigureAwait(false),
                CommunityRecords communities => await new RegistrySender<Community>(service, communities, state, rejections, meter).SendAsync(path, format, skip, cancellationToken).ConfigureAwait(false),
                BaseRecords bases => await new RegistrySender<Base>(service, bases, state, rejections, meter).SendAsync(path, format, skip, cancellationToken).ConfigureAwait(false),
                _ => await new RegistrySender<ClaDeployment>(service, (DeploymentRecords)records, state, rejections, meter).SendAsync(path, format, skip, cancellationToken).ConfigureAwait(false),
            };

            // A refusal that stops observations midway leaves the state for a rerun once it is fixed;
            // a registry file is read to its end, refusals or not.
            if (!outcome.Refused || kind != IngestKind.Observations)
            {
                state.Delete();
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var sent = rows - skip;
            var already = outcome.AlreadyStored == 0 ? string.Empty : examples.Count == 0 ? string.Empty : $" (e.g. {string.Join(", ", examples)})";
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {rows:N0} rows read{(skip > 0 ? $" ({skip:N0} skipped, acknowledged before)" : string.Empty)}, {outcome.Stored:N0} stored, " +
                $"{outcome.AlreadyStored:N0} already stored{already}, {rejections.Rows:N0} rejected, in {seconds:F1} s ({sent / Math.Max(seconds, 0.001):N0} rows/s)"))
                .ConfigureAwait(false);
            return outcome.Refused ? throw new CliException(ExitCodes.RowsRejected, $"{path}: the service refused {rejections.Rows:N0} row(s)") : ExitCodes.Ok;
        }

        private async Task<SendOutcome> SendObservationsAsync(
            ObservationRecords records, IngestFormat format, IngestState state, long skip, IngestMeter meter, Rejections rejections, List<string> examples, CancellationToken cancellationToken)
        {
            var sender = new ObservationSender(service, records, state, rejections, meter);
            var outcome = await sender.SendAsync(path, format, skip, rowsPerCall, cancellationToken).ConfigureAwait(false);
            examples.AddRange(sender.AlreadyStoredExamples);
            return outcome;
        }
    }
}

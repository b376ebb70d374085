using System.CommandLine;
using Geo.Cli.Connection;
using Geo.Grpc.Api;
using Grpc.Core;
using Spectre.Console;

namespace Geo.Cli;

/// <summary>
/// What every command shares: the service options, the output streams, and one way of turning
/// failures into a single line on stderr and an exit code a script can rely on.
/// </summary>
internal sealed class CliContext(TextWriter output, TextWriter error)
{
    public ServiceOptions Service { get; } = new();

    public TextWriter Output => output;

    public TextWriter Error => error;

    /// <summary>Tables and progress bars; plain text (no colour, no cursor movement) when the output is not a terminal.</summary>
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });

    /// <summary>Sets a command's action to one that talks to the service.</summary>
    public void OnService(Command command, Func<ParseResult, ServiceConnection, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            return await GuardAsync(async () =>
            {
                using var connection = Service.Connect(parse);
                return await action(parse, connection, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });

    /// <summary>Sets a command's action to one that works locally (serve, db, the first token).</summary>
    public void OnLocal(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction((parse, cancellationToken) => GuardAsync(() => action(parse, cancellationToken)));

    private async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (CliException e)
        {
            return await FailAsync(e.ExitCode, e.Message).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            var (code, message) = e.StatusCode switch
            {
                StatusCode.Unavailable => (ExitCodes.Unreachable, $"cannot reach the service: {e.Status.Detail}"),
                StatusCode.Unauthenticated => (ExitCodes.Unauthenticated, $"the service refused the token: {e.Status.Detail}"),
                StatusCode.PermissionDenied => (ExitCodes.PermissionDenied, $"permission denied: {e.Status.Detail}"),
                StatusCode.DeadlineExceeded => (ExitCodes.Unreachable, $"the service did not answer in time: {e.Status.Detail}"),
                _ => (ExitCodes.Failed, $"{StatusNames.Of(e.StatusCode)}: {e.Status.Detail}"),
            };
            return await FailAsync(code, message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return await FailAsync(ExitCodes.Failed, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return await FailAsync(130, "cancelled").ConfigureAwait(false);
        }
    }

    private async Task<int> FailAsync(int code, string message)
    {
        await error.WriteLineAsync($"geoaware: {message}").ConfigureAwait(false);
        return code;
    }
}

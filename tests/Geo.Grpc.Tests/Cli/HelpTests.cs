using System.CommandLine;
using Geo.Cli;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>Every command explains itself: <c>--help</c> shows what it does and examples to copy.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var path in Walk(CliApp.Build(new CliContext(TextWriter.Null, TextWriter.Null)), []))
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void EveryCommand_HasADescriptionWithExamples(string path)
    {
        var command = Find(path);

        Assert.False(string.IsNullOrWhiteSpace(command.Description), $"geoaware {path} has no description");
        Assert.Contains("Example", command.Description, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EveryCommand_HelpExitsZeroAndShowsItsExamples(string path)
    {
        var result = await CliRunner.RunAsync([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Example", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    private static IEnumerable<string> Walk(Command command, List<string> names)
    {
        if (command is not RootCommand)
        {
            yield return string.Join(' ', names);
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var path in Walk(sub, [.. names, sub.Name]))
            {
                yield return path;
            }
        }
    }

    private static Command Find(string path)
    {
        Command command = CliApp.Build(new CliContext(TextWriter.Null, TextWriter.Null));
        foreach (var name in path.Split(' '))
        {
            command = command.Subcommands.Single(c => c.Name == name);
        }

        return command;
    }
}

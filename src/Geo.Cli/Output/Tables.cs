using Spectre.Console;
using Spectre.Console.Rendering;

namespace Geo.Cli.Output;

/// <summary>
/// Spectre tables as every command prints them: plain text cells (never markup: ids and names
/// come from the mission's data), and as wide as they need to be when stdout is a file or a
/// pipe, so that a script can read each row on one line.
/// </summary>
internal static class Tables
{
    // Wide enough for any row we print; on a terminal the terminal's width is used instead.
    private const int RedirectedWidth = 400;

    public static Table Create(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header)));
        }

        return table;
    }

    public static void AddRow(Table table, params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.AddRow(cells.Select(cell => (IRenderable)new Text(cell)).ToArray());
    }

    public static void Write(CliContext context, IRenderable renderable)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Console.IsOutputRedirected)
        {
            context.Console.Profile.Width = RedirectedWidth;
        }

        context.Console.Write(renderable);
    }
}

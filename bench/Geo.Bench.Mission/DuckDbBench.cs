using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;

namespace Geo.Bench.Mission;

/// <summary>
/// duckdb: the in-memory peer of the read model (issue 21). The same points, projected into the
/// grid's plane by the service's own projection before the clock starts, held in a DuckDB table in
/// this process; then the 1 km counts, and 12 monthly frames of counts, as one GROUP BY on the bins
/// each, every group read back. What a columnar in-process engine does with the work our model does.
/// </summary>
internal static class DuckDbBench
{
    public static int Run(Arguments options)
    {
        var corners = options.Text("area").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var from = DateTimeOffset.Parse(options.Text("from"), CultureInfo.InvariantCulture);
        var to = DateTimeOffset.Parse(options.Text("to"), CultureInfo.InvariantCulture);
        var cell = options.Int("cell", 1000);
        var repeat = options.Int("repeat", 10);
        var area = AreaGrid.Build(new BoxArea(corners[0], corners[1], corners[2], corners[3]), GridShape.Square, cell);
        var (originX, originY) = area.Grid.Centre(0, 0);
        originX -= cell / 2.0;
        originY -= cell / 2.0;

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, "CREATE TABLE points (x DOUBLE, y DOUBLE, t TIMESTAMP)");
        var rows = 0;
        using (var appender = connection.CreateAppender("points"))
        {
            foreach (var line in File.ReadLines(options.Text("points")))
            {
                var parts = line.Split(',');
                var (x, y) = area.Frame.Forward(double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
                var at = DateTimeOffset.Parse(parts[2], CultureInfo.InvariantCulture).UtcDateTime;
                appender.CreateRow().AppendValue(x).AppendValue(y).AppendValue(at).EndRow();
                rows++;
            }
        }

        var bins = Invariant($"floor((x - {originX:R}) / {cell})::INTEGER AS c, floor((y - {originY:R}) / {cell})::INTEGER AS r");
        var period = Invariant($"t >= '{from.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}' AND t < '{to.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}'");
        var inGrid = Invariant($"x >= {originX:R} AND x < {originX + (area.Grid.Columns * (double)cell):R} AND y >= {originY:R} AND y < {originY + (area.Grid.Rows * (double)cell):R}");
        Time(connection, "duckdb.count", $"SELECT {bins}, count(*) AS n FROM points WHERE {period} AND {inGrid} GROUP BY ALL", repeat, rows);
        Time(connection, "duckdb.monthly", $"SELECT date_trunc('month', t) AS m, {bins}, count(*) AS n FROM points WHERE {period} AND {inGrid} GROUP BY ALL", repeat, rows);
        return 0;
    }

    private static void Time(DuckDBConnection connection, string key, string sql, int repeat, int rows)
    {
        var times = new List<double>();
        long groups = 0, observations = 0;
        for (var run = 0; run <= repeat; run++)
        {
            var watch = Stopwatch.StartNew();
            groups = 0;
            observations = 0;
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var n = reader.GetOrdinal("n");
            while (reader.Read())
            {
                groups++;
                observations += reader.GetInt64(n);
            }

            if (run > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        Console.WriteLine(Invariant($"{key}: {rows:N0} points in memory, {groups:N0} groups, {observations:N0} observations: p50 {times[times.Count / 2]:F1} ms (of {repeat} after a warm-up)"));
        Program.Result($"{key}.p50_ms", times[times.Count / 2]);
        Program.Result($"{key}.groups", groups);
        Program.Result($"{key}.observations", observations);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

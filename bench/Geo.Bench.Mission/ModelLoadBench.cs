using System.Globalization;
using Geo.Storage.ReadModel;

namespace Geo.Bench.Mission;

/// <summary>
/// model-load: the read model's start-up load alone, against a database already filled, repeated
/// (the first run pays for compiling the code): how long reading the rows and ordering them take.
/// </summary>
internal static class ModelLoadBench
{
    public static async Task<int> RunAsync(Arguments options)
    {
        await using var dataSource = Geo.Storage.GeoDataSource.Create(options.Text("connection"));
        var source = new ModelSource(dataSource);
        for (var run = 0; run < options.Int("repeat", 3); run++)
        {
            var load = await source.LoadAsync(options.Int("readers", 2), options.Int("pages-per-reader", 4096), CancellationToken.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: {load.Model.Count:N0} rows by {load.Readers} connections: read {load.Read.TotalSeconds:F2} s, ordered {load.Build.TotalSeconds:F2} s"));
        }

        return 0;
    }
}

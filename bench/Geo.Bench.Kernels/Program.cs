using BenchmarkDotNet.Running;

namespace Geo.Bench.Kernels;

/// <summary>dotnet run -c Release --project bench/Geo.Bench.Kernels [-- --filter '*HeatMap*']</summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

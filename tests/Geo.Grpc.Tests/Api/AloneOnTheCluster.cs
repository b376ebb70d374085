using Xunit;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Test classes that must have the PostgreSQL cluster to themselves: xunit runs this collection
/// after the parallel ones, with nothing beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public static class AloneOnTheCluster
{
    public const string Name = "Alone on the PostgreSQL cluster";
}

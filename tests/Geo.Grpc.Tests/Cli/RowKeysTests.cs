using Geo.Cli.Ingest;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>The file check's table of keys, past many doublings of its size.</summary>
public sealed class RowKeysTests
{
    [Fact]
    public void ManyKeys_RepeatsWithTheSameContentPass_AndOnlyOtherContentConflicts()
    {
        var keys = new RowKeys();
        const int count = 200_000;
        for (var i = 0; i < count; i++)
        {
            Assert.False(keys.Conflicts(new RowIdentity($"obs-{i}", (ulong)i * 7919)));
        }

        for (var i = 0; i < count; i += 997)
        {
            Assert.False(keys.Conflicts(new RowIdentity($"obs-{i}", (ulong)i * 7919)), $"obs-{i} again with the same content");
            Assert.True(keys.Conflicts(new RowIdentity($"obs-{i}", ((ulong)i * 7919) + 1)), $"obs-{i} again with other content");
        }
    }
}

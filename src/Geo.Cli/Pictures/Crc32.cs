namespace Geo.Cli.Pictures;

/// <summary>
/// The CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320), from a 256-entry table.
/// Written here because System.IO.Hashing is not among the packages that restore on these machines.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> bytes) => Update(0xFFFFFFFFu, bytes) ^ 0xFFFFFFFFu;

    /// <summary>Continues a running CRC (start at 0xFFFFFFFF, finish by inverting).</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}

using System.Security.Cryptography;
using System.Text;
using NetTopologySuite.IO;

namespace Geo.Core.Domain;

/// <summary>
/// A SHA-256 of everything the client submitted: a replay with the same id and fingerprint is
/// the same observation (nothing to do); the same id with another fingerprint is a conflict.
/// </summary>
public static class ObservationFingerprint
{
    public static byte[] Compute(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var number = new byte[8];

        void Text(string? value)
        {
            var bytes = Encoding.UTF8.GetBytes(value ?? "\u0000null");
            Int64(bytes.Length);
            hash.AppendData(bytes);
        }

        void Int64(long value)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(number, value);
            hash.AppendData(number);
        }

        void Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));

        Text(observation.Id);
        Text(observation.ReporterId);
        Int64(observation.ObservedAt.UtcTicks);
        Int64(observation.ReportedAt.UtcTicks);
        Double(observation.Location.Longitude);
        Double(observation.Location.Latitude);
        var area = observation.Area is null ? [] : new WKBWriter().Write(observation.Area);
        Int64(area.Length);
        hash.AppendData(area);
        Int64((long)observation.Precision);
        Int64((long)observation.Category);
        Int64(observation.Severity);
        foreach (var count in observation.Affected.Counts)
        {
            Int64(count);
        }

        Int64((long)observation.Vulnerabilities);
        Text(observation.CommunityId);
        Text(observation.BaseId);
        // The notes were called the summary until schema version 7: the same bytes, in the same place.
        Text(observation.Notes);
        return hash.GetHashAndReset();
    }
}

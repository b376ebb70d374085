using System.Buffers.Binary;
using System.Text;
using Geo.Core.Domain;

namespace Geo.Exporters.Feeds;

/// <summary>
/// The text an importer sends back to resume a feed: a <see cref="FeedPosition"/>, opaque to it
/// (base64url of the transaction id and the record id, behind a version prefix so the form can change).
/// </summary>
public static class FeedCursor
{
    private const string Prefix = "c1.";
    private const int MaxIdBytes = 512;

    public static string Format(FeedPosition position)
    {
        var id = Encoding.UTF8.GetBytes(position.Id);
        var bytes = new byte[8 + id.Length];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, position.Xid);
        id.CopyTo(bytes, 8);
        return Prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The position, or why the text is not a cursor. An empty text is the start of the feed.</summary>
    public static (FeedPosition Position, string? Error) Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (FeedPosition.Start, null);
        }

        const string notOurs = "is not a cursor this feed gave out; send back next_cursor exactly as received, or nothing to start from the beginning";
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length > Prefix.Length + (((8 + MaxIdBytes) * 4 / 3) + 4))
        {
            return (FeedPosition.Start, notOurs);
        }

        var body = text[Prefix.Length..].Replace('-', '+').Replace('_', '/');
        body = body.PadRight(body.Length + ((4 - (body.Length % 4)) % 4), '=');
        var bytes = new byte[(body.Length / 4) * 3];
        if (!Convert.TryFromBase64String(body, bytes, out var written) || written < 8)
        {
            return (FeedPosition.Start, notOurs);
        }

        string id;
        try
        {
            id = new UTF8Encoding(false, true).GetString(bytes, 8, written - 8);
        }
        catch (DecoderFallbackException)
        {
            return (FeedPosition.Start, notOurs);
        }

        return (new FeedPosition(BinaryPrimitives.ReadUInt64BigEndian(bytes), id), null);
    }
}

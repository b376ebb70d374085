using System.Globalization;

namespace Geo.Grpc.Protocol;

/// <summary>grpc-status and grpc-message on the wire.</summary>
internal static class StatusCodec
{
    private static readonly string[] CodeText = CreateCodeText();

    public static string FormatCode(StatusCode code) =>
        (uint)code < (uint)CodeText.Length ? CodeText[(int)code] : ((int)code).ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a received status; a missing or unreadable grpc-status is UNKNOWN.</summary>
    public static Status Parse(string? status, string? message)
    {
        var detail = message is null ? string.Empty : PercentEncoding.Decode(message);
        if (status is null)
        {
            return new Status(StatusCode.Unknown, detail.Length > 0 ? detail : "No grpc-status found on the response.");
        }

        return int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? new Status((StatusCode)code, detail)
            : new Status(StatusCode.Unknown, $"Unreadable grpc-status '{status}'.");
    }

    /// <summary>The status for a non-200 HTTP response (doc/http-grpc-status-mapping.md).</summary>
    public static Status FromHttpStatus(int httpStatus) => new(
        httpStatus switch
        {
            400 => StatusCode.Internal,
            401 => StatusCode.Unauthenticated,
            403 => StatusCode.PermissionDenied,
            404 => StatusCode.Unimplemented,
            429 or 502 or 503 or 504 => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        },
        $"Bad gRPC response. HTTP status code: {httpStatus}");

    private static string[] CreateCodeText()
    {
        var text = new string[17];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return text;
    }
}

using System.Reflection;
using Geo.Grpc.Client;
using Geo.Grpc.Protocol;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Xunit;

namespace Geo.Grpc.Tests.Access;

/// <summary>Calls any method of any served service with a given request, whatever its kind, and reports how it ended.</summary>
internal static class AccessCalls
{
    private static readonly MethodInfo TypedCall = typeof(AccessCalls).GetMethod(nameof(CallTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The status the call ended with (OK when it succeeded), after reading at most one response message.</summary>
    public static Task<Status> StatusOfAsync(GrpcChannel channel, MethodDescriptor method, IMessage? request = null)
    {
        var call = TypedCall.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType);
        request ??= (IMessage)Activator.CreateInstance(method.InputType.ClrType)!;
        return (Task<Status>)call.Invoke(null, [channel, method, request])!;
    }

    private static async Task<Status> CallTypedAsync<TRequest, TResponse>(GrpcChannel channel, MethodDescriptor descriptor, TRequest request)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = new GrpcMethod<TRequest, TResponse>(descriptor);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            switch (descriptor.IsClientStreaming, descriptor.IsServerStreaming)
            {
                case (false, false):
                    await channel.UnaryAsync(method, request);
                    break;
                case (false, true):
                {
                    // Health Watch never ends: one message (or the end of the stream) is enough.
                    using var call = channel.ServerStreamingCall(method, request);
                    await call.ResponseStream.MoveNext(timeout.Token);
                    break;
                }

                case (true, false):
                {
                    using var call = channel.ClientStreamingCall(method);
                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                    break;
                }

                default:
                {
                    using var call = channel.DuplexStreamingCall(method);
                    await call.RequestStream.WriteAsync(request, timeout.Token);
                    await call.RequestStream.CompleteAsync();
                    await call.ResponseStream.MoveNext(timeout.Token);
                    break;
                }
            }
        }
        catch (RpcException e)
        {
            return new Status(e.StatusCode, e.Detail);
        }

        return new Status(StatusCode.OK, string.Empty);
    }

    private static readonly MethodInfo TypedResponses = typeof(AccessCalls).GetMethod(nameof(ResponsesTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Every response message of a unary or server-streaming call.</summary>
    public static Task<List<IMessage>> ResponsesAsync(GrpcChannel channel, MethodDescriptor method, IMessage request) =>
        (Task<List<IMessage>>)TypedResponses.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType).Invoke(null, [channel, method, request])!;

    private static async Task<List<IMessage>> ResponsesTypedAsync<TRequest, TResponse>(GrpcChannel channel, MethodDescriptor descriptor, TRequest request)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = new GrpcMethod<TRequest, TResponse>(descriptor);
        if (!descriptor.IsServerStreaming)
        {
            return [await channel.UnaryAsync(method, request)];
        }

        return [.. (await ReadAllAsync(channel, method, request)).Cast<IMessage>()];
    }

    /// <summary>Reads a whole server stream.</summary>
    public static async Task<List<TResponse>> ReadAllAsync<TRequest, TResponse>(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, TRequest request)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using var call = channel.ServerStreamingCall(method, request);
        var responses = new List<TResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            responses.Add(response);
        }

        return responses;
    }

    /// <summary>A channel whose calls carry <paramref name="token"/> (none when null).</summary>
    public static GrpcChannel ChannelWith(Uri endpoint, string? token) => new(endpoint, new GrpcChannelOptions { BearerToken = token });

    public static void Equal(StatusCode expected, Status actual) =>
        Assert.True(expected == actual.StatusCode, $"expected {expected}, got {actual.StatusCode}: {actual.Detail}");
}

using System.Reflection;
using Geo.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Xunit;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// Calls any method of any served service with a given request, whatever its kind, and reports how
/// it ended: the permission and fuzz tests walk every method of the descriptors, so the call is
/// built from the descriptor (the generated clients' own marshallers) rather than named in code.
/// </summary>
internal static class AccessCalls
{
    private static readonly MethodInfo TypedCall = typeof(AccessCalls).GetMethod(nameof(CallTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo TypedResponses = typeof(AccessCalls).GetMethod(nameof(ResponsesTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The status the call ended with (OK when it succeeded), after reading at most one response message.</summary>
    public static Task<Status> StatusOfAsync(GeoAwarenessClient client, MethodDescriptor method, IMessage? request = null, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return StatusOfAsync(client.Channel.CreateCallInvoker(), method, request, options);
    }

    /// <summary>As above, on any channel's invoker (a gRPC-Web channel, say).</summary>
    public static Task<Status> StatusOfAsync(CallInvoker invoker, MethodDescriptor method, IMessage? request = null, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(method);
        var call = TypedCall.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType);
        request ??= (IMessage)Activator.CreateInstance(method.InputType.ClrType)!;
        return (Task<Status>)call.Invoke(null, [invoker, method, request, options])!;
    }

    /// <summary>
    /// Every response message of a unary or server-streaming call; of a stream that never ends (a
    /// watch), what arrives within <paramref name="endless"/>.
    /// </summary>
    public static Task<List<IMessage>> ResponsesAsync(GeoAwarenessClient client, MethodDescriptor method, IMessage request, TimeSpan? endless = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(method);
        return (Task<List<IMessage>>)TypedResponses.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType)
            .Invoke(null, [client.Channel.CreateCallInvoker(), method, request, endless])!;
    }

    /// <summary>Reads a whole server stream, and disposes the call.</summary>
    public static async Task<List<TResponse>> ReadAllAsync<TResponse>(AsyncServerStreamingCall<TResponse> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        using (call)
        {
            var responses = new List<TResponse>();
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                responses.Add(response);
            }

            return responses;
        }
    }

    /// <summary>Clients whose calls carry <paramref name="token"/> (none when null).</summary>
    public static GeoAwarenessClient ChannelWith(Uri endpoint, string? token) => new(endpoint, token);

    public static void Equal(StatusCode expected, Status actual) =>
        Assert.True(expected == actual.StatusCode, $"expected {expected}, got {actual.StatusCode}: {actual.Detail}");

    /// <summary>The method as Grpc.Core describes it, from its descriptor.</summary>
    public static Method<TRequest, TResponse> Of<TRequest, TResponse>(MethodDescriptor descriptor)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        return new Method<TRequest, TResponse>(type, descriptor.Service.FullName, descriptor.Name, Marshal<TRequest>(), Marshal<TResponse>());
    }

    private static Marshaller<T> Marshal<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }

    private static async Task<Status> CallTypedAsync<TRequest, TResponse>(CallInvoker invoker, MethodDescriptor descriptor, TRequest request, CallOptions options)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = Of<TRequest, TResponse>(descriptor);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, request);
                    break;
                case MethodType.ServerStreaming:
                {
                    // Health Watch never ends: one message (or the end of the stream) is enough.
                    using var call = invoker.AsyncServerStreamingCall(method, null, options, request);
                    await call.ResponseStream.MoveNext(timeout.Token);
                    break;
                }

                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(method, null, options);
                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                    break;
                }

                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(method, null, options);
                    try
                    {
                        await call.RequestStream.WriteAsync(request, timeout.Token);
                        await call.RequestStream.CompleteAsync();
                    }
                    catch (RpcException)
                    {
                        // The server may end the call (refusing it) before the request is written:
                        // the write then fails, at times as Cancelled (grpc-dotnet #2122). The
                        // call's own status is what the response stream ends with.
                    }

                    await call.ResponseStream.MoveNext(timeout.Token);
                    break;
                }
            }
        }
        catch (RpcException e)
        {
            return e.Status;
        }

        return Status.DefaultSuccess;
    }

    private static async Task<List<IMessage>> ResponsesTypedAsync<TRequest, TResponse>(CallInvoker invoker, MethodDescriptor descriptor, TRequest request, TimeSpan? endless)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = Of<TRequest, TResponse>(descriptor);
        if (method.Type == MethodType.Unary)
        {
            return [await invoker.AsyncUnaryCall(method, null, default, request)];
        }

        if (endless is { } time)
        {
            var received = new List<IMessage>();
            using var call = invoker.AsyncServerStreamingCall(method, null, new CallOptions(deadline: DateTime.UtcNow + time), request);
            try
            {
                await foreach (var response in call.ResponseStream.ReadAllAsync())
                {
                    received.Add(response);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
            {
            }

            return received;
        }

        return [.. (await ReadAllAsync(invoker.AsyncServerStreamingCall(method, null, default, request))).Cast<IMessage>()];
    }
}

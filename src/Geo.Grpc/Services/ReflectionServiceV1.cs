using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Google.Protobuf;
using Grpc.Reflection.V1;

namespace Geo.Grpc.Services;

/// <summary>grpc.reflection.v1.ServerReflection: answers each request of the stream as it comes, from <see cref="ReflectionIndex"/>.</summary>
internal sealed class ReflectionServiceV1
{
    private readonly ReflectionIndex _index;

    public ReflectionServiceV1(ReflectionIndex index) => _index = index;

    public async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requests, IServerStreamWriter<ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(Answer(requests.Current), context.CancellationToken).ConfigureAwait(false);
        }
    }

    internal ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var name in _index.ServiceNames)
                {
                    list.Service.Add(new ServiceResponse { Name = name });
                }

                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFiles(response, _index.FileByName(request.FileByFilename), $"file '{request.FileByFilename}'");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFiles(response, _index.FileContainingSymbol(request.FileContainingSymbol), $"symbol '{request.FileContainingSymbol}'");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                SetError(response, ReflectionIndex.NotFound($"extension {request.FileContainingExtension.ExtensionNumber} of '{request.FileContainingExtension.ContainingType}'"));
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (_index.IsKnownType(request.AllExtensionNumbersOfType))
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                }
                else
                {
                    SetError(response, ReflectionIndex.NotFound($"type '{request.AllExtensionNumbersOfType}'"));
                }

                break;
            default:
                SetError(response, new Status(StatusCode.InvalidArgument, "message_request: none of its fields is set"));
                break;
        }

        return response;
    }

    private static void SetFiles(ServerReflectionResponse response, IReadOnlyList<ByteString>? files, string what)
    {
        if (files is null)
        {
            SetError(response, ReflectionIndex.NotFound(what));
            return;
        }

        var descriptors = new FileDescriptorResponse();
        descriptors.FileDescriptorProto.AddRange(files);
        response.FileDescriptorResponse = descriptors;
    }

    private static void SetError(ServerReflectionResponse response, Status status) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)status.StatusCode, ErrorMessage = status.Detail };
}

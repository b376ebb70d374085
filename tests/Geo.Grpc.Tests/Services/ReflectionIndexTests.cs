using Geo.Grpc.Server;
using Geo.Grpc.Services;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Xunit;

namespace Geo.Grpc.Tests.Services;

public sealed class ReflectionIndexTests
{
    [Fact]
    public void FileContainingSymbol_ServiceImportingTimestamp_IncludesTheDependency()
    {
        var index = new ReflectionIndex([new GrpcServiceRegistration(ClockFile().Services[0], typeof(object))]);

        var files = index.FileContainingSymbol("test.v1.Clock.Now")!.Select(FileDescriptorProto.Parser.ParseFrom).ToList();

        Assert.Equal(["test/v1/clock.proto", "google/protobuf/timestamp.proto"], files.Select(f => f.Name));
        Assert.NotNull(index.FileByName("google/protobuf/timestamp.proto"));
        Assert.NotNull(index.FileContainingSymbol("google.protobuf.Timestamp"));
        Assert.Null(index.FileContainingSymbol("test.v1.Nothing"));
    }

    private static FileDescriptor ClockFile()
    {
        var clock = new FileDescriptorProto
        {
            Name = "test/v1/clock.proto",
            Package = "test.v1",
            Syntax = "proto3",
            Dependency = { "google/protobuf/timestamp.proto" },
            Service =
            {
                new ServiceDescriptorProto
                {
                    Name = "Clock",
                    Method = { new MethodDescriptorProto { Name = "Now", InputType = ".google.protobuf.Timestamp", OutputType = ".google.protobuf.Timestamp" } },
                },
            },
        };
        var files = FileDescriptor.BuildFromByteStrings([TimestampReflection.Descriptor.SerializedData, clock.ToByteString()]);
        return files[1];
    }
}

package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.Resources;
import software.amazon.awssdk.services.ec2.model.GpuDeviceInfo;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;

/**
 * An instance type as a flavor. Disk is the instance store, 0 for EBS-only types: their root
 * volume is chosen per launch, not by the type.
 */
final class InstanceTypeToFlavor {
    private InstanceTypeToFlavor() {
    }

    static Flavor convert(InstanceTypeInfo type) {
        int vcpus = type.vCpuInfo() == null || type.vCpuInfo().defaultVCpus() == null ? 0 : type.vCpuInfo().defaultVCpus();
        long memoryMiB = type.memoryInfo() == null || type.memoryInfo().sizeInMiB() == null ? 0 : type.memoryInfo().sizeInMiB();
        int gpus = type.gpuInfo() == null ? 0 : type.gpuInfo().gpus().stream()
                .map(GpuDeviceInfo::count).filter(java.util.Objects::nonNull).mapToInt(Integer::intValue).sum();
        long disk = type.instanceStorageInfo() == null || type.instanceStorageInfo().totalSizeInGB() == null
                ? 0 : type.instanceStorageInfo().totalSizeInGB();
        String id = type.instanceTypeAsString();
        return new Flavor(id, id, new Resources(vcpus, memoryMiB, gpus), (int) Math.min(disk, Integer.MAX_VALUE));
    }
}

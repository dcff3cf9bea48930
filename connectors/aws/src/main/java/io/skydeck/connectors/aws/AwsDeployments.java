package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import software.amazon.awssdk.services.ec2.model.InstanceStatus;
import software.amazon.awssdk.services.ec2.model.InstanceStatusSummary;
import software.amazon.awssdk.services.ec2.model.ReplaceRootVolumeTask;
import software.amazon.awssdk.services.ec2.model.SummaryStatus;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * A version onto an EC2 instance by "replace root volume using an AMI": the instance keeps its
 * id, addresses, ENIs and target group registrations; its root volume is restored from the
 * version's AMI (the {@link InstallSpec#artifact()}) and the instance reboots onto it.
 *
 * <ul>
 *   <li>install = {@code CreateReplaceRootVolumeTask(InstanceId, ImageId, ClientToken,
 *       DeleteReplacedRootVolume=true)}. The token is EC2's ClientToken, so a repeat returns the
 *       first task instead of replacing the volume twice. The replaced volume is deleted: a
 *       rollback installs the previous AMI the same way, and kept volumes would be billed
 *       forever. The AMI must share the instance's key characteristics (architecture,
 *       virtualization, boot mode) — EC2 refuses others, a {@link RequestRejected}, as is an
 *       image EC2 does not know. EC2 replaces the root volume of a {@code running} instance
 *       only ({@code IncorrectInstanceState} otherwise).
 *   <li>poll = {@code DescribeReplaceRootVolumeTasks(ReplaceRootVolumeTaskId.1)}: {@code
 *       succeeded} is done, {@code failed} and {@code failed-detached} failed, {@code pending},
 *       {@code in-progress}, {@code failing} and {@code failing-detached} still running (a
 *       failing task is not over until EC2 says so). The task id is the handle's argument.
 *   <li>health = {@code DescribeInstanceStatus(InstanceId.1, IncludeAllInstances=true)}:
 *       healthy when the instance is {@code running} and both EC2 status checks are {@code ok}
 *       — the system check (AWS's host and network) and the instance check (the guest answers
 *       ARP on its network interface). Right after a root volume replacement both are {@code
 *       initializing} for a minute or two, which is "not healthy yet". It says nothing about the
 *       application; the target group's health check does, see {@link AwsTrafficControl}.
 * </ul>
 * The package URL and SHA-256 of an {@link InstallSpec} are not used: EC2 has no install hook
 * of its own (that would be Systems Manager); on AWS the version is its AMI.
 */
final class AwsDeployments implements Deployments {
    private final Ec2Gateway ec2;
    private final Ec2Operations operations;

    AwsDeployments(Ec2Gateway ec2, Ec2Operations operations) {
        this.ec2 = ec2;
        this.operations = operations;
    }

    @Override
    public OperationHandle install(InstallSpec spec, IdempotencyToken token) {
        var named = Map.of(ResourceType.SERVER, spec.instanceId(), ResourceType.IMAGE, spec.artifact());
        ReplaceRootVolumeTask task;
        try {
            task = ec2.call(spec.region(), Call.idempotent("CreateReplaceRootVolumeTask", named), client -> client
                    .createReplaceRootVolumeTask(request -> request
                            .instanceId(spec.instanceId())
                            .imageId(spec.artifact())
                            .clientToken(token.value())
                            .deleteReplacedRootVolume(true))
                    .replaceRootVolumeTask());
        } catch (ResourceNotFound missing) {
            if (missing.type() == ResourceType.IMAGE) {
                // The SPI's word for a version the provider cannot install.
                throw new RequestRejected(ec2.provider(), missing.providerMessage(), missing.providerCode().orElse(null), missing);
            }
            throw missing;
        }
        if (task == null || task.replaceRootVolumeTaskId() == null) {
            throw new ProviderUnavailable(ec2.provider(),
                    "CreateReplaceRootVolumeTask for " + spec.instanceId() + " returned no task");
        }
        ec2.remember(spec.instanceId(), spec.region());
        return operations.accepted(OperationKind.UPDATE, ResourceType.SERVER, spec.instanceId(), spec.region(),
                Optional.of(token), Optional.of(task.replaceRootVolumeTaskId()));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        if (handle.kind() != OperationKind.UPDATE) {
            throw new IllegalArgumentException("not an install: " + handle.operationId());
        }
        String taskId = Ec2Operations.argument(handle).orElseThrow(() -> new ResourceNotFound(ec2.provider(),
                ResourceType.OPERATION, handle.operationId(), "operation " + handle.operationId() + " names no root volume task"));
        Optional<ReplaceRootVolumeTask> task = ec2.call(handle.resource().region(),
                Call.read("DescribeReplaceRootVolumeTasks", Map.of(ResourceType.SERVER, handle.resource().id())),
                client -> Ec2Gateway.unlessMissing(() -> client.describeReplaceRootVolumeTasks(request -> request
                        .replaceRootVolumeTaskIds(taskId)).replaceRootVolumeTasks().stream().findFirst()));
        if (task.isEmpty()) {
            // EC2 is eventually consistent: a task just created may not be described yet.
            if (ec2.clock().instant().isBefore(handle.acceptedAt().plus(Ec2Operations.VISIBILITY_GRACE))) {
                return operations.inProgress(handle, "not yet visible");
            }
            return operations.failed(handle, new ResourceNotFound(ec2.provider(), ResourceType.OPERATION, taskId,
                    "root volume task " + taskId + " of " + handle.resource().id() + " was accepted but never appeared"));
        }
        String state = task.get().taskStateAsString();
        return switch (state) {
            case "succeeded" -> new OperationStatus.Succeeded(handle, completedAt(task.get()));
            case "failed", "failed-detached" -> operations.failed(handle, new RequestRejected(ec2.provider(),
                    "replacing the root volume of " + handle.resource().id() + " with " + task.get().imageId() + " " + state
                            + (state.equals("failed-detached") ? "; the instance has no root volume attached" :
                            "; the original root volume is still attached"), "ReplaceRootVolumeTask." + state, null));
            default -> operations.inProgress(handle, state);
        };
    }

    @Override
    public InstanceHealth health(String region, String instanceId) {
        Optional<InstanceStatus> status = ec2.call(region,
                Call.read("DescribeInstanceStatus", Map.of(ResourceType.SERVER, instanceId)),
                client -> client.describeInstanceStatus(request -> request.instanceIds(instanceId).includeAllInstances(true))
                        .instanceStatuses().stream().findFirst());
        if (status.isEmpty()) {
            return InstanceHealth.failing("EC2 reports no status for " + instanceId);
        }
        var instance = status.get();
        String state = instance.instanceState() == null ? "unknown" : instance.instanceState().nameAsString();
        if (!"running".equals(state)) {
            return InstanceHealth.failing("instance is " + state);
        }
        if (isOk(instance.systemStatus()) && isOk(instance.instanceStatus())) {
            return InstanceHealth.ok();
        }
        return InstanceHealth.failing("system status " + word(instance.systemStatus())
                + ", instance status " + word(instance.instanceStatus()));
    }

    private Instant completedAt(ReplaceRootVolumeTask task) {
        if (task.completeTime() != null) {
            try {
                return Instant.parse(task.completeTime());
            } catch (DateTimeParseException unreadable) {
                // EC2 documents the field as a plain string; fall back to when we saw it done.
            }
        }
        return ec2.clock().instant();
    }

    private static boolean isOk(InstanceStatusSummary summary) {
        return summary != null && summary.status() == SummaryStatus.OK;
    }

    private static String word(InstanceStatusSummary summary) {
        return summary == null || summary.statusAsString() == null ? "unknown" : summary.statusAsString();
    }
}

package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Traffic through an Elastic Load Balancing (v2) target group: the {@link TrafficTarget}'s id is
 * the target group's ARN, its region the group's region, and an instance is an EC2 instance
 * registered by id (target type {@code instance}) on the group's own port.
 *
 * <ul>
 *   <li>pull out = {@code DeregisterTargets(TargetGroupArn, Targets.member.1.Id)}: the load
 *       balancer stops sending new requests and drains the open ones for the group's
 *       deregistration delay;
 *   <li>pull in = {@code RegisterTargets(TargetGroupArn, Targets.member.1.Id)}: the instance
 *       receives traffic once it passes the group's health checks;
 *   <li>in traffic = {@code DescribeTargetHealth(TargetGroupArn)}, the targets whose state is
 *       {@code healthy}. Not {@code initial} (registered, health checks not yet passed — the
 *       load balancer does not route to it yet), not {@code draining} (being deregistered: it
 *       only finishes requests already open), not {@code unhealthy}, {@code unused} (the group
 *       serves no load balancer, or the instance's zone is not enabled) or {@code unavailable}.
 *       An ALB that "fails open" to all targets when none is healthy is not counted either: a
 *       release's online minimum must not be met by instances that fail their checks.
 * </ul>
 * Both mutations are idempotent at ELBv2 itself — registering a registered target or
 * deregistering one that is not registered changes nothing — so a repeat after a crash is safe.
 *
 * <p>Not offered: {@link #weigh} and {@link #routeByHeader}. ELBv2 weighs traffic between
 * <em>target groups</em> (an ALB listener rule's forward action with weighted target groups) and
 * routes by header with listener rules ({@code http-header} conditions); both need a second
 * target group for the canary or variant instances and a listener to own, which a target group
 * ARN alone does not give. So {@link #weighsTraffic()} and {@link #routesByHeader()} are false and
 * the service refuses a canary by weight or an A/B release on AWS with a 422 naming this target.
 */
final class AwsTrafficControl implements TrafficControl {
    private final ElbGateway elb;

    AwsTrafficControl(ElbGateway elb) {
        this.elb = elb;
    }

    @Override
    public void pullOut(TrafficTarget target, String instanceId) {
        elb.call(target.region(), named(target, instanceId), client -> client.deregisterTargets(request -> request
                .targetGroupArn(target.id())
                .targets(TargetDescription.builder().id(instanceId).build())));
    }

    @Override
    public void pullIn(TrafficTarget target, String instanceId) {
        elb.call(target.region(), named(target, instanceId), client -> client.registerTargets(request -> request
                .targetGroupArn(target.id())
                .targets(TargetDescription.builder().id(instanceId).build())));
    }

    @Override
    public Set<String> inTraffic(TrafficTarget target) {
        var described = elb.call(target.region(), Map.of(ResourceType.TRAFFIC_TARGET, target.id()),
                client -> client.describeTargetHealth(request -> request.targetGroupArn(target.id())).targetHealthDescriptions());
        var inTraffic = new TreeSet<String>();
        for (TargetHealthDescription description : described) {
            if (receivesTraffic(description)) {
                inTraffic.add(description.target().id());
            }
        }
        return inTraffic;
    }

    static boolean receivesTraffic(TargetHealthDescription description) {
        return description.target() != null && description.targetHealth() != null
                && description.targetHealth().state() == TargetHealthStateEnum.HEALTHY;
    }

    private static Map<ResourceType, String> named(TrafficTarget target, String instanceId) {
        return Map.of(ResourceType.TRAFFIC_TARGET, target.id(), ResourceType.SERVER, instanceId);
    }
}

package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A split of one Service's traffic — by weight (a canary) or by header (an A/B test) — through
 * the Gateway API. A Service alone spreads connections evenly over its endpoints, so a split needs
 * two backends and something in front that chooses between them:
 * <ul>
 *   <li>the <b>stable</b> Service, the traffic target itself, untouched except for the pods it
 *       selects;</li>
 *   <li>the <b>variant</b> Service {@code <service>-variant}, which Skydeck writes: the same ports,
 *       the same selector but {@code skydeck.io/traffic: variant};</li>
 *   <li>the HTTPRoute named like the Service, attached to the cluster's Gateway, whose rule sends
 *       weights to the two (a canary) or whose first rule matches the header and sends its
 *       requests to the variant, the second everything else to the stable one (A/B).</li>
 * </ul>
 * A pod of the variant carries {@code skydeck.io/variant: "true"}; while it is in traffic its
 * {@code skydeck.io/traffic} label is "variant" instead of "in", which takes it out of the stable
 * Service (a Service selector has no "not in") and into the variant one. A pull-in of a marked
 * pod writes "variant", so the variant's instances come into traffic only through the route.
 *
 * <p>Ending a split moves the variant's pods back to the stable Service first, then points the
 * route at the stable Service alone, then deletes the variant Service: users are never sent to a
 * backend without endpoints. The route stays (the Gateway reaches the Service through it from the
 * first split on). A weight over every pod of the Service is the end of a split too: with nothing
 * left in the stable Service, the variant's share would otherwise be all there is, and the stable
 * share would fail.
 *
 * <p>Skydeck writes only a route and a variant Service it owns ({@code app.kubernetes.io/managed-by:
 * skydeck}); one of those names that belongs to someone else is refused, never overwritten. A
 * cookie is matched by a regular expression over the Cookie header, which the Gateway API leaves to
 * the implementation (Envoy Gateway, Istio and Cilium take RE2); any other header is matched exactly.
 */
final class GatewaySplit {
    static final String VARIANT = "skydeck.io/variant";
    static final String TRAFFIC_VARIANT = "variant";
    private static final String GATEWAY_GROUP = "gateway.networking.k8s.io";

    private final Cluster cluster;
    private final KubernetesConfig.Gateway gateway;

    GatewaySplit(Cluster cluster, KubernetesConfig.Gateway gateway) {
        this.cluster = cluster;
        this.gateway = gateway;
    }

    /** {@code percent} of the Service's traffic to {@code canaryPods}, the rest to its other pods; no canary pods ends the split. */
    void weigh(Service stable, Map<String, String> selector, Set<String> canaryPods, int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("a traffic weight is 0 to 100 percent: " + percent);
        }
        if (canaryPods.isEmpty()) {
            end(stable, selector);
            return;
        }
        requirePorts(stable);
        List<Pod> pods = selected(stable, selector);
        if (pods.stream().allMatch(p -> canaryPods.contains(id(p))) && canaryPods.size() == pods.size()) {
            end(stable, selector);
            return;
        }
        Map<String, String> variantPods = variantSelector(stable, selector, pods, canaryPods);
        Service variant = variantService(stable, variantPods);
        writeRoute(stable, List.of(rule(List.of(backend(stable, 100 - percent), backend(variant, percent)))));
        mark(pods, canaryPods);
    }

    /** Requests with {@code header: value} to {@code variantPods}, all others to the rest; a null header ends the split. */
    void routeByHeader(Service stable, Map<String, String> selector, Set<String> variantPods, String header, String value) {
        if (header == null) {
            end(stable, selector);
            return;
        }
        requirePorts(stable);
        List<Pod> pods = selected(stable, selector);
        Map<String, String> variantSelector = variantSelector(stable, selector, pods, variantPods);
        Service variant = variantService(stable, variantSelector);
        var match = header.equalsIgnoreCase("Cookie")
                ? new HTTPHeaderMatchBuilder().withType("RegularExpression").withName("Cookie").withValue(cookiePattern(value)).build()
                : new HTTPHeaderMatchBuilder().withType("Exact").withName(header).withValue(value).build();
        writeRoute(stable, List.of(
                new HTTPRouteRuleBuilder().addNewMatch().withHeaders(match).endMatch().withBackendRefs(backend(variant, 1)).build(),
                rule(List.of(backend(stable, 1)))));
        mark(pods, variantPods);
    }

    /** {@code name=value} anywhere among the request's cookies. */
    static String cookiePattern(String cookie) {
        var quoted = new StringBuilder();
        for (char c : cookie.toCharArray()) {
            if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return "^(.*;\\s*)?" + quoted + "(;.*)?$";
    }

    /**
     * Variant pods back to "in" (a variant of another workload that is in traffic takes the Service
     * along, {@link WorkloadSwitch}: it is what a promoted A/B test serves), then the route to the
     * stable Service alone, then the variant Service deleted.
     */
    private void end(Service stable, Map<String, String> selector) {
        String namespace = stable.getMetadata().getNamespace();
        var pods = new java.util.LinkedHashMap<String, Pod>();
        selected(stable, selector).forEach(p -> pods.put(id(p), p));
        call(ResourceType.WORKLOAD, namespace, () -> cluster.client().pods().inNamespace(namespace).withLabel(VARIANT, "true").list()
                .getItems()).forEach(p -> pods.putIfAbsent(id(p), p));
        Optional<Map<String, String>> followed = Optional.empty();
        var others = others(selector);
        for (Pod p : pods.values()) {
            var labels = p.getMetadata().getLabels();
            if (TRAFFIC_VARIANT.equals(labels.get(SkydeckLabels.TRAFFIC)) && !labels.entrySet().containsAll(others.entrySet())) {
                followed = WorkloadSwitch.otherWorkload(others, labels);
            }
        }
        mark(List.copyOf(pods.values()), Set.of());
        followed.ifPresent(workload -> WorkloadSwitch.switchTo(cluster, stable, workload));
        if (stable.getSpec().getPorts() != null && !stable.getSpec().getPorts().isEmpty()) {
            writeRoute(stable, List.of(rule(List.of(backend(stable, 1)))));
        }
        String variantName = variantName(stable);
        Service variant = call(ResourceType.NETWORK, namespace + "/" + variantName,
                () -> cluster.client().services().inNamespace(namespace).withName(variantName).get());
        if (variant != null && owned(variant.getMetadata().getLabels())) {
            call(ResourceType.NETWORK, namespace + "/" + variantName,
                    () -> cluster.client().services().inNamespace(namespace).withName(variantName).delete());
        }
    }

    /**
     * The variant Service's selector: the stable one's with traffic "variant" when the variant pods
     * are the stable Service's own (a canary), or the other workload's when they are all pods of one
     * other workload of a Service that follows a workload (an A/B test over two workloads).
     * Adds those other pods to {@code pods}, to be marked.
     */
    private Map<String, String> variantSelector(Service stable, Map<String, String> selector, List<Pod> pods, Set<String> variants) {
        var known = new TreeSet<String>();
        pods.forEach(p -> known.add(id(p)));
        var elsewhere = new TreeSet<>(variants);
        elsewhere.removeAll(known);
        var others = others(selector);
        Map<String, String> result = new TreeMap<>(others);
        if (!elsewhere.isEmpty()) {
            String namespace = stable.getMetadata().getNamespace();
            Map<String, String> workload = null;
            for (String id : elsewhere) {
                Pod pod = id.startsWith(namespace + "/") ? call(ResourceType.WORKLOAD, id, () -> cluster.client().pods().inNamespace(namespace)
                        .withName(id.substring(namespace.length() + 1)).get()) : null;
                Optional<Map<String, String>> of = pod == null || pod.getMetadata().getLabels() == null ? Optional.empty()
                        : WorkloadSwitch.otherWorkload(others, pod.getMetadata().getLabels());
                if (of.isEmpty() || workload != null && !workload.equals(of.get())) {
                    throw new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD, id, "Pods " + elsewhere + " are not pods of Service "
                            + namespace + "/" + stable.getMetadata().getName() + " (nor all of one other workload it could serve).");
                }
                workload = of.get();
                pods.add(pod);
            }
            if (variants.size() != elsewhere.size()) {
                throw new RequestRejected(cluster.provider(), "A split's variant is the Service's own pods or another workload's, not both: "
                        + variants, "MixedVariant", null);
            }
            result = new TreeMap<>(workload);
        }
        result.put(SkydeckLabels.TRAFFIC, TRAFFIC_VARIANT);
        return result;
    }

    private static Map<String, String> others(Map<String, String> selector) {
        var others = new TreeMap<>(selector);
        others.remove(SkydeckLabels.TRAFFIC);
        return others;
    }

    /** Marks exactly {@code variants} among {@code pods}: one merge patch per pod whose labels change, none for the others. */
    private void mark(List<Pod> pods, Set<String> variants) {
        for (Pod pod : pods) {
            var labels = pod.getMetadata().getLabels() == null ? Map.<String, String>of() : pod.getMetadata().getLabels();
            boolean variant = variants.contains(id(pod));
            String traffic = labels.get(SkydeckLabels.TRAFFIC);
            String wantedTraffic = traffic;
            if (variant && SkydeckLabels.TRAFFIC_IN.equals(traffic)) {
                wantedTraffic = TRAFFIC_VARIANT;
            } else if (!variant && TRAFFIC_VARIANT.equals(traffic)) {
                wantedTraffic = SkydeckLabels.TRAFFIC_IN;
            }
            boolean marked = "true".equals(labels.get(VARIANT));
            if (marked == variant && java.util.Objects.equals(traffic, wantedTraffic)) {
                continue;
            }
            var patch = new TreeMap<String, Object>();
            patch.put(VARIANT, variant ? "true" : null);
            if (wantedTraffic != null) {
                patch.put(SkydeckLabels.TRAFFIC, wantedTraffic);
            }
            String json = cluster.client().getKubernetesSerialization().asJson(Map.of("metadata", Map.of("labels", patch)));
            call(ResourceType.WORKLOAD, id(pod), () -> cluster.client().pods().inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), json));
        }
    }

    /** The Service's pods whatever their traffic label: the selector without it. */
    private List<Pod> selected(Service stable, Map<String, String> selector) {
        var others = new TreeMap<>(selector);
        others.remove(SkydeckLabels.TRAFFIC);
        String namespace = stable.getMetadata().getNamespace();
        return new ArrayList<>(call(ResourceType.WORKLOAD, namespace, () -> cluster.client().pods().inNamespace(namespace)
                .withLabels(others).list().getItems()));
    }

    private void requirePorts(Service stable) {
        if (stable.getSpec().getPorts() == null || stable.getSpec().getPorts().isEmpty()) {
            throw new RequestRejected(cluster.provider(), "Service " + stable.getMetadata().getNamespace() + "/"
                    + stable.getMetadata().getName() + " has no port for an HTTPRoute to send to.", "NoPort", null);
        }
    }

    /** Creates or updates the variant Service: the stable one's ports, {@code variantSelector}. */
    private Service variantService(Service stable, Map<String, String> variantSelector) {
        String namespace = stable.getMetadata().getNamespace();
        String name = variantName(stable);
        List<ServicePort> ports = new ArrayList<>();
        for (ServicePort p : stable.getSpec().getPorts()) {
            ports.add(new ServicePortBuilder().withName(p.getName()).withProtocol(p.getProtocol()).withPort(p.getPort())
                    .withTargetPort(p.getTargetPort()).withAppProtocol(p.getAppProtocol()).build());
        }
        Service wanted = new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE)
                .addToAnnotations(SkydeckLabels.DESCRIPTION, "variant of Service " + stable.getMetadata().getName()
                        + " during a release's split")
                .endMetadata()
                .withNewSpec().withType("ClusterIP").withSelector(variantSelector).withPorts(ports).endSpec()
                .build();
        Service existing = call(ResourceType.NETWORK, namespace + "/" + name,
                () -> cluster.client().services().inNamespace(namespace).withName(name).get());
        if (existing == null) {
            return call(ResourceType.NETWORK, namespace + "/" + name, () -> cluster.client().services().resource(wanted).create());
        }
        refuseForeign(existing.getMetadata().getLabels(), "Service " + namespace + "/" + name);
        if (variantSelector.equals(existing.getSpec().getSelector()) && ports.equals(existing.getSpec().getPorts())) {
            return existing;
        }
        // Keep what the API server assigned (clusterIP, resourceVersion): only the selector and ports are Skydeck's.
        existing.getSpec().setSelector(variantSelector);
        existing.getSpec().setPorts(ports);
        return call(ResourceType.NETWORK, namespace + "/" + name, () -> cluster.client().services().resource(existing).update());
    }

    private void writeRoute(Service stable, List<HTTPRouteRule> rules) {
        String namespace = stable.getMetadata().getNamespace();
        String name = stable.getMetadata().getName();
        var routes = cluster.client().resources(HTTPRoute.class).inNamespace(namespace);
        HTTPRoute existing = call(ResourceType.NETWORK, namespace + "/" + name, () -> routes.withName(name).get());
        if (existing == null) {
            HTTPRoute route = new HTTPRouteBuilder()
                    .withNewMetadata().withNamespace(namespace).withName(name)
                    .addToLabels(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE).endMetadata()
                    .withNewSpec()
                    .addNewParentRef().withGroup(GATEWAY_GROUP).withKind("Gateway").withNamespace(gateway.namespace())
                    .withName(gateway.name()).endParentRef()
                    .withRules(rules)
                    .endSpec()
                    .build();
            call(ResourceType.NETWORK, namespace + "/" + name, () -> routes.resource(route).create());
            return;
        }
        refuseForeign(existing.getMetadata().getLabels(), "HTTPRoute " + namespace + "/" + name);
        if (rules.equals(existing.getSpec().getRules())) {
            return;
        }
        // The rules are Skydeck's; hostnames and anything else a person added to the route stay.
        existing.getSpec().setRules(rules);
        call(ResourceType.NETWORK, namespace + "/" + name, () -> routes.resource(existing).update());
    }

    private void refuseForeign(Map<String, String> labels, String what) {
        if (!owned(labels)) {
            throw new RequestRejected(cluster.provider(), what + " exists and is not Skydeck's (no " + SkydeckLabels.MANAGED_BY + "="
                    + SkydeckLabels.MANAGED_BY_VALUE + "); Skydeck splits traffic with an object of that name and will not overwrite it.",
                    "NotManaged", null);
        }
    }

    private static boolean owned(Map<String, String> labels) {
        return labels != null && SkydeckLabels.MANAGED_BY_VALUE.equals(labels.get(SkydeckLabels.MANAGED_BY));
    }

    private String variantName(Service stable) {
        String name = stable.getMetadata().getName() + "-variant";
        if (name.length() > 63) {
            throw new RequestRejected(cluster.provider(), "Service " + stable.getMetadata().getName() + " has a name too long for its "
                    + "variant Service " + name + " (a Service name is at most 63 characters).", "NameTooLong", null);
        }
        return name;
    }

    private static HTTPRouteRule rule(List<HTTPBackendRef> backends) {
        return new HTTPRouteRuleBuilder().withBackendRefs(backends).build();
    }

    private static HTTPBackendRef backend(Service service, int weight) {
        return new HTTPBackendRefBuilder().withGroup("").withKind("Service").withName(service.getMetadata().getName())
                .withPort(service.getSpec().getPorts().get(0).getPort()).withWeight(weight).build();
    }

    private static String id(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private <T> T call(ResourceType type, String id, java.util.function.Supplier<T> call) {
        return cluster.errors().call(type, id, call::get);
    }
}

/**
 * The Kubernetes connector: one cluster as a Skydeck provider, through fabric8.
 *
 * <pre>{@code
 * var config = KubernetesConfig.withToken("k8s-fra", "fra", URI.create("https://api.fra.example:6443"), tokenFromSecretFile);
 * // inside Quarkus: hand over the client quarkus-kubernetes-client produced (set its
 * // request-retry-backoff-limit to 0: retries are the service's, see the SPI package docs)
 * CloudProvider cluster = new KubernetesCloud(config, client, clock);
 * // elsewhere: KubernetesCloud.connect(config, clock) builds and owns its client
 * String namespace = ((KubernetesCloud) cluster).tenantNamespaces().ensure("acme", quota);
 * cluster.require(Workloads.class).create(WorkloadSpec.deployment("web", "fra", namespace, "nginx:1.27", 3, 500, 512), token);
 * }</pre>
 *
 * <h2>Mapping</h2>
 * <ul>
 * <li>Tenant → namespace {@code prefix + tenant} with ResourceQuota, LimitRange and an
 *     ingress-isolation NetworkPolicy ({@link io.skydeck.connectors.kubernetes.TenantNamespaces}).</li>
 * <li>Workloads → Deployment / StatefulSet / DaemonSet, id "namespace/name", token as a label,
 *     status from the controller's status block ({@link io.skydeck.connectors.kubernetes.ControllerStatusToState}).</li>
 * <li>Security groups → NetworkPolicies selecting the group's members, pods labelled
 *     {@code security-group.skydeck.io/<name>: member} (a workload joins groups through
 *     {@link io.skydeck.connectors.kubernetes.SecurityGroupMembers#labelsFor} in its labels); a rule
 *     naming a group selects that group's members
 *     ({@link io.skydeck.connectors.kubernetes.SecurityRulesToNetworkPolicy} lists what cannot map).</li>
 * <li>Networks → a namespace {@code prefix + name} with a default-deny ingress NetworkPolicy
 *     ({@link io.skydeck.connectors.kubernetes.NamespaceNetworks}); no subnets.</li>
 * <li>Inventory → nodes as container pools: allocatable minus the requests of bound pods.</li>
 * <li>Releases → traffic target = Service "namespace/name", instance = pod "namespace/name";
 *     pull out/in = the pod's {@code skydeck.io/traffic} label (out of the controller's selector,
 *     in every Skydeck pod template) ({@link io.skydeck.connectors.kubernetes.ServiceTrafficControl});
 *     install = the pod's container image patched in place, the workload's template once every
 *     pod runs it ({@link io.skydeck.connectors.kubernetes.PodImageInstalls}).</li>
 * <li>Not offered: servers, public IPs, price list, usage export — a cluster has none of its own.</li>
 * </ul>
 */
package io.skydeck.connectors.kubernetes;

/**
 * Tenant security policy, provider-neutral: security groups and their allow rules, and the
 * validation that turns what a tenant sent into them, naming every field that is wrong. Rendering
 * to Neutron, EC2 or NetworkPolicy is not here; it reads these records.
 */
package io.skydeck.network.policy;

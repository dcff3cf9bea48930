package io.skydeck.connectors.openstack;

import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.Resource;
import org.openstack4j.openstack.networking.domain.NeutronResourceTag;

import java.util.List;

/**
 * Reads and writes a Neutron resource's tags ({@code /v2.0/<resources>/<id>/tags}). Neutron
 * takes tags only after the resource exists, so a create is two requests; a crash between them
 * leaves an untagged resource that drift detection reports as an orphan.
 */
final class NeutronTagging {
    private NeutronTagging() {
    }

    static void replace(OSClientV3 os, Resource type, String id, List<String> tags) {
        if (tags.isEmpty()) {
            return;
        }
        NeutronResourceTag body = new NeutronResourceTag();
        body.setTags(tags);
        os.networking().resourceTags().replace(type, id, body);
    }

    static List<String> read(OSClientV3 os, Resource type, String id) {
        NeutronResourceTag tags = os.networking().resourceTags().list(type, id);
        return tags == null || tags.getTags() == null ? List.of() : tags.getTags();
    }
}

package io.skydeck.connectors.openstack;

import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.compute.Server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every server of the project, page by page. Nova answers a list with at most its max_limit
 * (1,000 by default) and a servers_links "next" whose marker is the last id of the page; a
 * single list call therefore misses servers beyond the first thousand, and with them the one a
 * token lookup is after. OpenStack4j does not expose the links, so this asks for full pages with
 * the same marker until a page comes back short.
 */
final class NovaServerPages {
    /** Nova's default osapi_max_limit. */
    static final int NOVA_MAX_LIMIT = 1000;

    private final int pageSize;

    NovaServerPages(int pageSize) {
        this.pageSize = pageSize;
    }

    List<Server> all(OSClientV3 os) {
        List<Server> all = new ArrayList<>();
        String marker = null;
        while (true) {
            Map<String, String> query = marker == null
                    ? Map.of("limit", String.valueOf(pageSize))
                    : Map.of("limit", String.valueOf(pageSize), "marker", marker);
            List<? extends Server> page = os.compute().servers().list(query);
            all.addAll(page);
            if (page.size() < pageSize) {
                return all;
            }
            marker = page.get(page.size() - 1).getId();
        }
    }
}

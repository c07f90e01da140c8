/*
 * report/report_store_sarif.c - `sesame findings --format sarif`: the store's findings as
 * SARIF 2.1.0, one result per credential (ranked by risk), for code-scanning dashboards.
 *
 * A result's locations are where the credential is still seen (up to 10; the count of
 * all is a property), each in its repository (a property too: SARIF has one artifact
 * namespace per run). Its level follows the risk tier; its partial fingerprint is the
 * stable fingerprint; a triage decision other than "open" is an external suppression
 * (state accepted, with the note as justification), so dashboards hide what people dealt with.
 */
#include "report/report_store.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "json/json.h"
#include "report/report_json_util.h"

#define STORE_SARIF_LOCATIONS 10

static const char *level(const char *tier)
{
    if (tier && (strcmp(tier, "critical") == 0 || strcmp(tier, "high") == 0))
        return "error";
    if (tier && strcmp(tier, "medium") == 0)
        return "warning";
    return "note";
}

/* The first rule id of a comma-separated list (new string), or the kind. */
static char *first_rule(const struct store_row *r)
{
    if (r->rules && *r->rules)
        return xstrndup(r->rules, strcspn(r->rules, ","));
    return xasprintf("aws.%s", r->kind ? r->kind : "credential");
}

static struct jv *result(const struct store_row *r)
{
    struct jv *res = jv_object(), *locs = jv_array(), *props = jv_object(), *fps = jv_object();
    char *rule = first_rule(r), *msg;
    size_t shown = 0, live = 0;

    jv_put(res, "ruleId", jv_str(rule));
    jv_put(res, "level", jv_str(level(r->risk_tier)));
    msg = xasprintf("AWS %s %s: risk %lld (%s), %s, in %zu repositor%s%s",
                    r->kind ? r->kind : "credential", r->key_id ? r->key_id : r->fingerprint,
                    (long long)r->risk_score, r->risk_tier ? r->risk_tier : "?", r->state,
                    r->n_repos, r->n_repos == 1 ? "y" : "ies", r->at_head ? ", at HEAD" : "");
    {
        struct jv *m = jv_object();
        jv_put(m, "text", jv_str(msg));
        jv_put(res, "message", m);
    }
    free(msg);
    for (size_t i = 0; i < r->n_locs; i++) {
        const struct store_loc *l = &r->locs[i];
        struct jv *loc, *phys, *art, *reg, *lp;
        char *uri;
        if (l->gone_since)
            continue;
        live++;
        if (shown >= STORE_SARIF_LOCATIONS)
            continue;
        shown++;
        loc = jv_object();
        phys = jv_object();
        art = jv_object();
        reg = jv_object();
        lp = jv_object();
        uri = report_sarif_uri(l->path ? l->path : "-", l->path ? l->shown_tail : 0);
        jv_put(art, "uri", jv_str(uri));
        free(uri);
        jv_put(phys, "artifactLocation", art);
        jv_put(reg, "startLine", jv_int(l->line > 0 ? l->line : 1));
        jv_put(reg, "startColumn", jv_int(l->column > 0 ? l->column : 1));
        jv_put(phys, "region", reg);
        jv_put(loc, "physicalLocation", phys);
        jv_put(lp, "repository", jv_str(l->repo));
        if (l->commit && *l->commit)
            jv_put(lp, "commit", jv_str(l->commit));
        jv_put(lp, "part", jv_str(l->part ? l->part : ""));
        /* a container-image layer, as a scan's SARIF says it (report_sarif.c) */
        if (l->layer_command)
            jv_put(lp, "layerCommand", jv_str(l->layer_command));
        if (l->removed_in && strncmp(l->removed_in, "sha256:", 7) == 0)
            jv_put(lp, "removedInLayer", jv_str(l->removed_in));
        if (l->replaced)
            jv_put(lp, "replaced", jv_bool(true));
        jv_put(loc, "properties", lp);
        jv_push(locs, loc);
    }
    jv_put(res, "locations", locs);
    jv_put(fps, "sesame/v1", jv_str(r->fingerprint));
    jv_put(res, "partialFingerprints", fps);
    if (strcmp(r->state, "open") != 0) {
        struct jv *sups = jv_array(), *sup = jv_object();
        jv_put(sup, "kind", jv_str("external"));
        jv_put(sup, "state", jv_str("accepted"));
        if (r->state_note)
            jv_put(sup, "justification", jv_str(r->state_note));
        jv_push(sups, sup);
        jv_put(res, "suppressions", sups);
    }
    jv_put(props, "fingerprint", jv_str(r->fingerprint));
    jv_put(props, "risk", jv_int(r->risk_score));
    jv_put(props, "tier", jv_str(r->risk_tier ? r->risk_tier : "info"));
    jv_put(props, "state", jv_str(r->state));
    jv_put(props, "places", jv_uint(live));
    if (r->verify_status)
        jv_put(props, "verification", jv_str(r->verify_status));
    jv_put(res, "properties", props);
    free(rule);
    return res;
}

enum status report_store_sarif(FILE *out, const struct store_row *rows, size_t n)
{
    struct jv *doc = jv_object(), *runs = jv_array(), *run = jv_object(), *tool = jv_object();
    struct jv *driver = jv_object(), *rules = jv_array(), *results = jv_array();
    char **ids = NULL;
    size_t n_ids = 0;

    for (size_t i = 0; i < n; i++) {
        char *id = first_rule(&rows[i]);
        bool have = false;
        for (size_t k = 0; k < n_ids && !have; k++)
            have = strcmp(ids[k], id) == 0;
        if (have) {
            free(id);
        } else {
            struct jv *rd = jv_object(), *sd = jv_object();
            ids = xrealloc(ids, (n_ids + 1) * sizeof(*ids));
            ids[n_ids++] = id;
            jv_put(rd, "id", jv_str(id));
            jv_put(sd, "text", jv_str("Leaked AWS credential"));
            jv_put(rd, "shortDescription", sd);
            jv_push(rules, rd);
        }
        jv_push(results, result(&rows[i]));
    }
    for (size_t k = 0; k < n_ids; k++)
        free(ids[k]);
    free(ids);
    jv_put(doc, "$schema", jv_str("https://json.schemastore.org/sarif-2.1.0.json"));
    jv_put(doc, "version", jv_str("2.1.0"));
    jv_put(driver, "name", jv_str("sesame"));
    jv_put(driver, "version", jv_str(SESAME_VERSION));
    jv_put(driver, "rules", rules);
    jv_put(tool, "driver", driver);
    jv_put(run, "tool", tool);
    jv_put(run, "results", results);
    jv_push(runs, run);
    jv_put(doc, "runs", runs);
    jv_write(out, doc, JV_PRETTY);
    jv_free(doc);
    return STATUS_OK;
}

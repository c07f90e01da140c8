/*
 * report/report_html.c - `sesame report --html FILE`: one self-contained page of the
 * store's findings, for people who do not read JSON.
 *
 * No network: no CDN, no font, no image but inline SVG; the CSS and the few lines of
 * JavaScript (sorting by a column, filtering by state, tier and repository) are written
 * here. The table is complete without JavaScript: every row is in the HTML, ranked by
 * risk. Each finding has a detail row (locations with commits, verification, risk
 * factors, remediation steps, triage history) and an exposure timeline drawn as SVG,
 * from the first commit that introduced it to when it was removed or today. Every text
 * from the store is escaped as HTML (and the store holds secrets redacted only).
 */
#include "report/report_store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/escape.h"
#include "base/xalloc.h"

/* Text as HTML: bad bytes and control characters through escape_dup, then entities. */
/* Text escaped already (printable, lossless) as HTML. */
static void h_shown(FILE *out, const char *e)
{
    for (const char *p = e; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*p, out);
        }
    }
}

/* Text from the input as HTML: escaped without loss first (base/escape.h). */
static void h(FILE *out, const char *s)
{
    char *e;
    if (!s)
        return;
    e = escape_dup(s, strlen(s), ESC_BACKSLASH);
    h_shown(out, e);
    free(e);
}

static void day(FILE *out, int64_t t)
{
    char b[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(b, sizeof(b), "%Y-%m-%d", &tm)) {
        fputs("?", out);
        return;
    }
    fputs(b, out);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fafafa}"
    "h1{font-size:1.5em}.tiles{display:flex;gap:1em;margin:1em 0}"
    ".tile{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;"
    "min-width:9em}.tile b{display:block;font-size:1.8em}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border-bottom:1px solid #e4e4e4;padding:.35em .6em;text-align:left;"
    "vertical-align:top}th{cursor:pointer;background:#f0f0f0;user-select:none}"
    "th.sorted-asc:after{content:' \\25B2'}th.sorted-desc:after{content:' \\25BC'}"
    ".tier-critical{color:#fff;background:#b00020}.tier-high{background:#f4a100}"
    ".tier-medium{background:#ffe08a}.tier-low,.tier-info{background:#e8eef7}"
    ".tier{padding:0 .4em;border-radius:3px}code{font-size:.92em}"
    "tr.detail td{background:#fcfcfc}tr.detail[hidden]{display:none}"
    ".filters{margin:1em 0;display:flex;gap:1em;flex-wrap:wrap}"
    ".gone{color:#888}svg text{font:11px sans-serif}";

/* Sorting and filtering: rows come in pairs (a finding, its detail row). */
static const char js[] =
    "(function(){var t=document.getElementById('findings');var tb=t.tBodies[0];"
    "function pairs(){var r=[],rows=tb.rows;for(var i=0;i<rows.length;i+=2)"
    "r.push([rows[i],rows[i+1]]);return r;}"
    "var ths=t.tHead.rows[0].cells;for(var i=0;i<ths.length;i++){(function(th,col){"
    "th.addEventListener('click',function(){var asc=!th.classList.contains('sorted-asc');"
    "for(var k=0;k<ths.length;k++)ths[k].classList.remove('sorted-asc','sorted-desc');"
    "th.classList.add(asc?'sorted-asc':'sorted-desc');var num=th.dataset.type==='num';"
    "var p=pairs();p.sort(function(a,b){var x=a[0].cells[col].dataset.v,"
    "y=b[0].cells[col].dataset.v;if(num){x=+x;y=+y;}return (x<y?-1:x>y?1:0)*(asc?1:-1);});"
    "p.forEach(function(q){tb.appendChild(q[0]);tb.appendChild(q[1]);});});})(ths[i],i);}"
    "var f={state:document.getElementById('f-state'),tier:document.getElementById('f-tier'),"
    "repo:document.getElementById('f-repo')};"
    "function apply(){var n=0;pairs().forEach(function(q){var d=q[0].dataset;"
    "var ok=(!f.state.value||d.state===f.state.value)&&(!f.tier.value||d.tier===f.tier.value)"
    "&&(!f.repo.value||(' '+d.repos+' ').indexOf(' '+f.repo.value+' ')>=0);"
    "q[0].hidden=!ok;if(!ok)q[1].hidden=true;n+=ok?1:0;});"
    "document.getElementById('shown').textContent=n;}"
    "for(var k in f)f[k].addEventListener('change',apply);"
    "tb.addEventListener('click',function(e){var b=e.target.closest('button.more');if(!b)"
    "return;var d=b.closest('tr').nextElementSibling;d.hidden=!d.hidden;});"
    /* a link can open the page sorted: report.html#sort=2 (column 2, ascending) */
    "var m=/^#sort=([0-9]+)$/.exec(location.hash);if(m&&ths[+m[1]])ths[+m[1]].click();})();";

static int64_t introduced(const struct store_row *r)
{
    int64_t t = 0;
    for (size_t i = 0; i < r->n_locs; i++)
        if (r->locs[i].commit_time > 0 && (!t || r->locs[i].commit_time < t))
            t = r->locs[i].commit_time;
    return t ? t : r->first_seen;
}

/* The exposure timeline of one credential: introduced -> removed (gone) or today. */
static void timeline(FILE *out, const struct store_row *r, int64_t lo, int64_t hi)
{
    int64_t from = introduced(r), to = r->gone_since ? r->gone_since : hi;
    double span = hi > lo ? (double)(hi - lo) : 1.0;
    double x0 = 10 + 580 * (double)(from - lo) / span, x1 = 10 + 580 * (double)(to - lo) / span;

    if (x1 < x0 + 2)
        x1 = x0 + 2;
    fprintf(out, "<svg class=\"timeline\" width=\"600\" height=\"40\" viewBox=\"0 0 600 40\" "
                 "role=\"img\" aria-label=\"exposure timeline\"><line x1=\"10\" y1=\"20\" "
                 "x2=\"590\" y2=\"20\" stroke=\"#ccc\"/><rect x=\"%.1f\" y=\"13\" "
                 "width=\"%.1f\" height=\"14\" rx=\"3\" fill=\"%s\"/>",
            x0, x1 - x0, r->gone_since ? "#999" : "#b00020");
    fprintf(out, "<text x=\"%.1f\" y=\"10\">introduced ", x0 < 480 ? x0 : 480);
    day(out, from);
    fprintf(out, "</text><text x=\"%.1f\" y=\"38\">%s ", x1 > 120 ? x1 - 110 : 10,
            r->gone_since ? "removed" : "still present");
    day(out, to);
    fputs("</text></svg>", out);
}

static void detail(FILE *out, const struct store_row *r, int64_t lo, int64_t hi)
{
    fputs("<tr class=\"detail\" hidden><td colspan=\"8\">", out);
    timeline(out, r, lo, hi);
    fputs("<h4>Parts</h4><ul>", out);
    for (size_t i = 0; i < r->n_parts; i++) {
        fputs("<li><code>", out);
        h(out, r->parts[i]);
        fputs("</code></li>", out);
    }
    fputs("</ul><h4>Locations</h4><ul>", out);
    for (size_t i = 0; i < r->n_locs; i++) {
        const struct store_loc *l = &r->locs[i];
        fprintf(out, "<li%s><code>", l->gone_since ? " class=\"gone\"" : "");
        h(out, l->repo);
        fputs("</code>: <code>", out);
        if (l->path) {
            char *shown = escape_path(l->path, l->shown_tail);
            h_shown(out, shown);
            free(shown);
        }
        fprintf(out, ":%lld:%lld</code> (", (long long)l->line, (long long)l->column);
        h(out, l->part);
        fputs(")", out);
        if (l->commit && *l->commit) {
            fputs(" in commit <code>", out);
            h(out, l->commit);
            fputs("</code> ", out);
            day(out, l->commit_time);
            if (l->author) {
                fputs(" by ", out);
                h(out, l->author);
            }
        }
        if (l->removed_in) {
            /* an image layer's whiteout removed it, or the layer wrote another file at
             * its path (report_text.c says it the same way) */
            bool layer = strncmp(l->removed_in, "sha256:", 7) == 0;
            fputs(l->replaced && layer ? ", replaced in layer <code>"
                  : layer              ? ", removed in layer <code>"
                                       : ", removed in <code>",
                  out);
            h(out, l->removed_in);
            fputs("</code>", out);
        }
        if (l->layer_command) {
            fputs(", layer: <code class=\"cmd\">", out);
            h(out, l->layer_command);
            fputs("</code>", out);
        }
        if (l->gone_since) {
            fputs(" — gone since ", out);
            day(out, l->gone_since);
        }
        fputs("</li>", out);
    }
    fputs("</ul><h4>Verification</h4><p>", out);
    if (r->verify_status) {
        h(out, r->verify_status);
        fputs(" (", out);
        day(out, r->verified_at);
        fputs(")", out);
        if (r->verify_account) {
            fputs(", account ", out);
            h(out, r->verify_account);
        }
        if (r->verify_detail) {
            fputs(": ", out);
            h(out, r->verify_detail);
        }
    } else {
        fputs("not verified (sesame audit --verify)", out);
    }
    fputs("</p><h4>Risk factors</h4><ul>", out);
    for (const char *p = r->risk_factors; p && *p;) {
        const char *nl = strchr(p, '\n');
        char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
        for (char *t = line; *t; t++)
            if (*t == '\t')
                *t = ' ';
        fputs("<li>", out);
        h(out, line);
        fputs("</li>", out);
        free(line);
        p = nl ? nl + 1 : p + strlen(p);
    }
    fputs("</ul><h4>Remediation</h4><ol>", out);
    for (const char *p = r->remediation; p && *p;) {
        const char *nl = strchr(p, '\n');
        char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
        fputs("<li>", out);
        h(out, line);
        fputs("</li>", out);
        free(line);
        p = nl ? nl + 1 : p + strlen(p);
    }
    fputs("</ol>", out);
    if (r->n_history) {
        fputs("<h4>Triage history</h4><ul>", out);
        for (size_t i = 0; i < r->n_history; i++) {
            fputs("<li>", out);
            day(out, r->history[i].at);
            fputs(" ", out);
            h(out, r->history[i].state);
            if (r->history[i].by) {
                fputs(" by ", out);
                h(out, r->history[i].by);
            }
            if (r->history[i].note) {
                fputs(": ", out);
                h(out, r->history[i].note);
            }
            fputs("</li>", out);
        }
        fputs("</ul>", out);
    }
    fputs("</td></tr>\n", out);
}

static void row(FILE *out, const struct store_row *r, int64_t lo, int64_t hi)
{
    const char *tier = r->risk_tier ? r->risk_tier : "info";
    const char *id = r->key_id ? r->key_id : r->kind;

    fputs("<tr class=\"finding\" data-state=\"", out);
    h(out, r->state);
    fputs("\" data-tier=\"", out);
    h(out, tier);
    fputs("\" data-repos=\"", out);
    for (size_t i = 0; i < r->n_repos; i++) {
        if (i)
            fputc(' ', out);
        h(out, r->repos[i]);
    }
    fprintf(out, "\"><td data-v=\"%lld\">%lld</td><td data-v=\"%d\"><span class=\"tier "
                 "tier-",
            (long long)r->risk_score, (long long)r->risk_score,
            strcmp(tier, "critical") == 0 ? 4 : strcmp(tier, "high") == 0 ? 3
                                             : strcmp(tier, "medium") == 0 ? 2
                                             : strcmp(tier, "low") == 0    ? 1 : 0);
    h(out, tier);
    fputs("\">", out);
    h(out, tier);
    fputs("</span></td><td data-v=\"", out);
    h(out, id);
    fputs("\"><code>", out);
    h(out, id);
    fputs("</code></td><td data-v=\"", out);
    h(out, r->state);
    fputs("\">", out);
    h(out, r->state);
    fputs("</td><td data-v=\"", out);
    h(out, r->verify_status ? r->verify_status : "");
    fputs("\">", out);
    h(out, r->verify_status ? r->verify_status : "—");
    fprintf(out, "</td><td data-v=\"%zu\">%zu</td><td data-v=\"%lld\">", r->n_repos, r->n_repos,
            (long long)introduced(r));
    day(out, introduced(r));
    fprintf(out, "</td><td data-v=\"%d\">%s <button class=\"more\" type=\"button\">details"
                 "</button></td></tr>\n",
            r->gone_since ? 0 : r->at_head ? 2 : 1,
            r->gone_since ? "gone" : r->at_head ? "at HEAD" : "in history");
    detail(out, r, lo, hi);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum status report_store_html(FILE *out, const struct store_row *rows, size_t n, int64_t now)
{
    size_t live = 0, critical = 0, n_repos = 0;
    const char **repos = NULL;
    int64_t lo = now;

    for (size_t i = 0; i < n; i++) {
        live += rows[i].verify_status && strcmp(rows[i].verify_status, "live") == 0;
        critical += rows[i].risk_tier && strcmp(rows[i].risk_tier, "critical") == 0;
        if (introduced(&rows[i]) > 0 && introduced(&rows[i]) < lo)
            lo = introduced(&rows[i]);
        for (size_t k = 0; k < rows[i].n_repos; k++) {
            repos = xrealloc(repos, (n_repos + 1) * sizeof(*repos));
            repos[n_repos++] = rows[i].repos[k];
        }
    }
    if (n_repos > 1)
        qsort(repos, n_repos, sizeof(*repos), cmp_cstr);
    {
        size_t k = 0;
        for (size_t i = 0; i < n_repos; i++)
            if (k == 0 || strcmp(repos[k - 1], repos[i]) != 0)
                repos[k++] = repos[i];
        n_repos = k;
    }
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
                 "<title>sesame audit report</title><style>%s</style></head><body>\n",
            css);
    fputs("<h1>sesame audit report</h1><p>Generated ", out);
    day(out, now);
    fprintf(out, " by sesame %s. Secrets are redacted.</p>\n<div class=\"tiles\">"
                 "<div class=\"tile\" id=\"t-creds\"><b>%zu</b>credentials</div>"
                 "<div class=\"tile\" id=\"t-live\"><b>%zu</b>live</div>"
                 "<div class=\"tile\" id=\"t-critical\"><b>%zu</b>critical</div>"
                 "<div class=\"tile\" id=\"t-repos\"><b>%zu</b>repositories affected</div>"
                 "</div>\n",
            SESAME_VERSION, n, live, critical, n_repos);
    fputs("<div class=\"filters\"><label>State <select id=\"f-state\"><option value=\"\">all"
          "</option><option>open</option><option>false_positive</option><option>revoked"
          "</option><option>accepted_risk</option></select></label><label>Tier <select "
          "id=\"f-tier\"><option value=\"\">all</option><option>critical</option><option>"
          "high</option><option>medium</option><option>low</option><option>info</option>"
          "</select></label><label>Repository <select id=\"f-repo\"><option value=\"\">all"
          "</option>", out);
    for (size_t i = 0; i < n_repos; i++) {
        fputs("<option value=\"", out);
        h(out, repos[i]);
        fputs("\">", out);
        h(out, repos[i]);
        fputs("</option>", out);
    }
    fprintf(out, "</select></label><span><span id=\"shown\">%zu</span> shown</span></div>\n",
            n);
    fputs("<table id=\"findings\"><thead><tr><th data-type=\"num\">risk</th>"
          "<th data-type=\"num\">tier</th><th>credential</th><th>state</th><th>verified</th>"
          "<th data-type=\"num\">repositories</th><th data-type=\"num\">introduced</th>"
          "<th data-type=\"num\">exposure</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < n; i++)
        row(out, &rows[i], lo, now);
    fprintf(out, "</tbody></table>\n<script>%s</script></body></html>\n", js);
    free(repos);
    return ferror(out) ? fail(STATUS_IO, "cannot write the HTML report") : STATUS_OK;
}

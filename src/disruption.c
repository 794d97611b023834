/* Supply disruptions: timelines of down spells per disruption and per site.
 * See include/echelon/disruption.h.
 *
 * A Markov disruption is drawn spell by spell, not day by day: up and down spells
 * of the two-state chain are geometric (support 1, 2, ...) with success
 * probabilities p = 1/MTBF and q = 1/MTTR, so a timeline costs one uniform for the
 * state of day 0 and one per spell, whatever the horizon.  Day 0's state comes
 * from the stationary distribution, P(down) = p / (p + q) = MTTR / (MTBF + MTTR);
 * because geometric spells are memoryless, the rest of the spell under way on day 0
 * is again geometric, so the first spell is drawn like every other one.
 *
 * The stream of a timeline is named by (seed, ECH_STREAM_DISRUPTION, the
 * disruption's key, replication, and the site's id hash for each_site or 0): never
 * by rank, thread or SKU.  Nothing here keeps state between calls, so every
 * function is safe to call from many threads at once. */
#include "echelon/repro_math.h"
#include "echelon/disruption.h"
#include "echelon/error.h"
#include "echelon/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Spells kept on the stack by ech_site_outages before it falls back to the heap: a
 * year of a Markov disruption with MTBF + MTTR around 10 days or more fits. */
#define STACK_SPELLS 64

/* ------------------------------------------------------------------------------
 * One disruption
 * ------------------------------------------------------------------------------ */

/* The probability of leaving a state whose spells last `mean_days` on average;
 * means below one day (invalid input) count as one day. */
static double leave_probability(double mean_days)
{
    return mean_days > 1.0 ? 1.0 / mean_days : 1.0;
}

/* A geometric spell length on 1, 2, ... with success probability p, by inversion:
 * 1 + floor(log U / log(1 - p)) with U uniform in (0, 1).  Returned as a double
 * so that huge lengths (p tiny) clip at the horizon instead of overflowing.  One
 * uniform is drawn whatever p is, so the stream's position depends only on the
 * number of spells. */
static double geometric_days(ech_pcg32 *rng, double p, double log1m_p)
{
    double u = ech_pcg32_uniform(rng);
    if (p >= 1.0)
        return 1.0;
    if (p <= 0.0)
        return HUGE_VAL;
    return 1.0 + floor(ech_log(u) / log1m_p);
}

/* Appends a spell, writing it only while there is room. */
static inline void put_spell(ech_outage *out, int32_t cap, int32_t *n, int32_t start, int32_t end,
                             double capacity)
{
    if (*n < cap)
        out[*n] = (ech_outage){start, end, capacity};
    ++*n;
}

static int32_t markov_timeline(const ech_scenario *sc, int32_t i, int32_t site, int64_t rep,
                               int32_t n_days, ech_outage *out, int32_t cap)
{
    const ech_disruptions *dis = &sc->disruptions;
    uint64_t sub = 0;
    if (dis->scope[i] == ECH_SCOPE_EACH_SITE) {
        if (site < 0 || site >= sc->sites.n)
            return 0; /* no such site: nothing to strike */
        sub = sc->sites.id_hash[site];
    }
    ech_pcg32 rng;
    ech_stream_init(&rng, sc->seed, ECH_STREAM_DISRUPTION, dis->key[i], (uint64_t)rep, sub);

    double p = leave_probability(dis->mtbf_days[i]); /* fail on an up day */
    double q = leave_probability(dis->mttr_days[i]); /* recover on a down day */
    double log1m_p = ech_log1p(-p), log1m_q = ech_log1p(-q);
    double capacity = dis->capacity[i];

    int down = ech_pcg32_uniform(&rng) < p / (p + q);
    int32_t n = 0, day = 0;
    while (day < n_days) {
        double len = down ? geometric_days(&rng, q, log1m_q) : geometric_days(&rng, p, log1m_p);
        int32_t end = len >= (double)(n_days - day) ? n_days : day + (int32_t)len;
        if (down)
            put_spell(out, cap, &n, day, end, capacity);
        day = end;
        down = !down;
    }
    return n;
}

int32_t ech_disruption_timeline(const ech_scenario *sc, int32_t disruption, int32_t site,
                                int64_t rep, ech_outage *out, int32_t cap)
{
    const ech_disruptions *dis = &sc->disruptions;
    if (disruption < 0 || disruption >= dis->n)
        return 0;
    int32_t n_days = sc->warmup_days + sc->days;
    if (n_days <= 0)
        return 0;
    if (dis->kind[disruption] == ECH_DISRUPT_SCRIPTED) {
        /* Scenario days [from, to) are simulated days shifted by the warm-up; 64-bit
         * arithmetic so that extreme days cannot overflow before clipping. */
        int64_t start = (int64_t)dis->from_day[disruption] + sc->warmup_days;
        int64_t end = (int64_t)dis->to_day[disruption] + sc->warmup_days;
        if (start < 0)
            start = 0;
        if (end > n_days)
            end = n_days;
        if (start >= end)
            return 0;
        int32_t n = 0;
        put_spell(out, cap, &n, (int32_t)start, (int32_t)end, dis->capacity[disruption]);
        return n;
    }
    return markov_timeline(sc, disruption, site, rep, n_days, out, cap);
}

int ech_disruption_covers(const ech_scenario *sc, int32_t disruption, int32_t site)
{
    const ech_disruptions *dis = &sc->disruptions;
    if (disruption < 0 || disruption >= dis->n || site < 0 || site >= sc->sites.n)
        return 0;
    int32_t target = dis->target[disruption];
    switch (dis->scope[disruption]) {
    case ECH_SCOPE_SITE: return target == site;
    case ECH_SCOPE_SUPPLIER: return sc->sites.supplier[site] == target;
    case ECH_SCOPE_REGION: return sc->sites.region[site] == target;
    case ECH_SCOPE_EACH_SITE: return 1;
    default: return 0;
    }
}

/* ------------------------------------------------------------------------------
 * Every disruption at a site
 * ------------------------------------------------------------------------------ */

/* A list of spells in a stack array or, once it needs more room, on the heap. */
typedef struct spell_buf {
    ech_outage *spell;
    int32_t cap;
    int32_t n;
    int heap; /* spell was malloc'ed here and must be freed */
} spell_buf;

/* Makes room for `need` spells; the contents are not kept. */
static void buf_reserve(spell_buf *b, int32_t need)
{
    if (need <= b->cap)
        return;
    if (b->heap)
        free(b->spell);
    b->spell = ech_xmalloc((size_t)need * sizeof *b->spell, "disruption spells");
    b->cap = need;
    b->heap = 1;
}

static void buf_release(spell_buf *b)
{
    if (b->heap)
        free(b->spell);
}

/* Disruption i's timeline at the site into b, growing b when the timeline is longer
 * than b's room. */
static void buf_timeline(spell_buf *b, const ech_scenario *sc, int32_t i, int32_t site, int64_t rep)
{
    b->n = ech_disruption_timeline(sc, i, site, rep, b->spell, b->cap);
    if (b->n > b->cap) {
        buf_reserve(b, b->n);
        b->n = ech_disruption_timeline(sc, i, site, rep, b->spell, b->cap);
    }
}

/* Appends [start, end) with the given capacity to c, joining it to the last spell
 * when they touch and have the same capacity.  c has room (see merge_spells). */
static void buf_append(spell_buf *c, int32_t start, int32_t end, double capacity)
{
    if (c->n > 0) {
        ech_outage *last = &c->spell[c->n - 1];
        if (last->end == start && last->capacity == capacity) {
            last->end = end;
            return;
        }
    }
    c->spell[c->n++] = (ech_outage){start, end, capacity};
}

/* c = the union of the sorted, disjoint lists a and b, where they overlap the
 * smaller capacity.  A sweep over the pieces between consecutive spell ends and
 * starts: each piece ends at one of the 2 (na + nb) end points, so c needs room for
 * at most that many spells. */
static void merge_spells(const spell_buf *a, const spell_buf *b, spell_buf *c)
{
    buf_reserve(c, 2 * (a->n + b->n));
    c->n = 0;
    int32_t i = 0, j = 0, x = 0; /* x: where the sweep has got to */
    while (i < a->n || j < b->n) {
        /* The unswept parts of the current spells of a and b. */
        int32_t sa = INT32_MAX, ea = INT32_MAX, sb = INT32_MAX, eb = INT32_MAX;
        if (i < a->n) {
            sa = a->spell[i].start > x ? a->spell[i].start : x;
            ea = a->spell[i].end;
        }
        if (j < b->n) {
            sb = b->spell[j].start > x ? b->spell[j].start : x;
            eb = b->spell[j].end;
        }
        int32_t s = sa < sb ? sa : sb;
        int in_a = sa == s, in_b = sb == s;
        /* The piece ends where a covering spell ends or the other spell starts. */
        int32_t e;
        double capacity;
        if (in_a && in_b) {
            e = ea < eb ? ea : eb;
            double ca = a->spell[i].capacity, cb = b->spell[j].capacity;
            capacity = ca < cb ? ca : cb;
        } else if (in_a) {
            e = ea < sb ? ea : sb;
            capacity = a->spell[i].capacity;
        } else {
            e = eb < sa ? eb : sa;
            capacity = b->spell[j].capacity;
        }
        buf_append(c, s, e, capacity);
        x = e;
        if (i < a->n && a->spell[i].end <= x)
            ++i;
        if (j < b->n && b->spell[j].end <= x)
            ++j;
    }
}

int32_t ech_site_outages(const ech_scenario *sc, const ech_variant *v, int32_t site, int64_t rep,
                         ech_outage *out, int32_t cap)
{
    const ech_disruptions *dis = &sc->disruptions;

    /* Most sites are struck by one disruption or none: then its timeline is the
     * answer, written straight to out. */
    int32_t n_cover = 0, first = -1;
    for (int32_t i = 0; i < dis->n; ++i) {
        if (v->disruption_active[i] && ech_disruption_covers(sc, i, site)) {
            if (n_cover++ == 0)
                first = i;
        }
    }
    if (n_cover == 0)
        return 0;
    if (n_cover == 1)
        return ech_disruption_timeline(sc, first, site, rep, out, cap);

    /* Several: fold each timeline into the running union acc (via tmp, then swap). */
    ech_outage acc_stack[STACK_SPELLS], tmp_stack[2 * STACK_SPELLS], one_stack[STACK_SPELLS];
    spell_buf acc = {acc_stack, STACK_SPELLS, 0, 0};
    spell_buf tmp = {tmp_stack, 2 * STACK_SPELLS, 0, 0};
    spell_buf one = {one_stack, STACK_SPELLS, 0, 0};
    buf_timeline(&acc, sc, first, site, rep);
    for (int32_t i = first + 1; i < dis->n; ++i) {
        if (!v->disruption_active[i] || !ech_disruption_covers(sc, i, site))
            continue;
        buf_timeline(&one, sc, i, site, rep);
        if (one.n == 0)
            continue;
        merge_spells(&acc, &one, &tmp);
        spell_buf t = acc;
        acc = tmp;
        tmp = t;
    }
    int32_t n = acc.n;
    if (cap > 0 && n > 0)
        memcpy(out, acc.spell, (size_t)(n < cap ? n : cap) * sizeof *out);
    buf_release(&acc);
    buf_release(&tmp);
    buf_release(&one);
    return n;
}

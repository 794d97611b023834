/* Deterministic synthetic networks and catalogues; see include/echelon/generator.h.
 *
 * Every random draw comes from a PCG stream named by what it is for:
 *
 *     ech_stream_init(&rng, key, ECH_STREAM_GENERATOR, index, table, sub)
 *
 * `table` says which table is being generated (the GEN_* values below, never
 * renumbered), `index` is the SKU's or pharmacy's position and `key` is the
 * catalogue seed (or a fixed key for the network, which has no seed).  Nothing
 * depends on the rank, the thread or the clock.  Each SKU has its own streams, so
 * SKU k's attributes, name and assortment do not change when the catalogue grows
 * (names are made unique in SKU order, which only looks at earlier SKUs).
 *
 * The shape of the catalogue (documented at each choice below) follows what a
 * European pharmacy chain sees: most SKUs sell less than one unit a day per
 * pharmacy, a few fast movers sell tens, a quarter of the range is intermittent,
 * and big pharmacies (hospital and city-centre ones) stock more of the range and
 * sell more of each item.
 */
#include "echelon/repro_math.h"
#include "echelon/generator.h"
#include "echelon/table.h"
#include "echelon/rng.h"
#include "echelon/sample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stream tables: part of what makes generated scenarios reproducible across
 * versions.  New tables get new numbers; existing ones are never renumbered. */
enum {
    GEN_PHARMACY = 1,     /* a pharmacy's type and size, keyed by its id */
    GEN_NETWORK_NAME = 2, /* a generated pharmacy's name */
    GEN_SKU = 3,          /* a SKU's attributes and its number of stocking leaves */
    GEN_SKU_NAME = 4,     /* a SKU's name */
    GEN_ASSORTMENT = 5,   /* which leaves stock a SKU and their demand levels */
    GEN_SKU_SOURCE = 6,   /* a SKU's site and alternative source */
    GEN_SKU_VOLUME = 7,   /* a SKU's unit volume */
    GEN_DISPLAY = 8,      /* display minimums of a SKU's assortment rows */
};

/* The network generator has no seed of its own: a network is a function of its
 * parameters alone, and a pharmacy's type and size a function of its id, so the
 * same pharmacy looks the same in every scenario that names it. */
#define NETWORK_KEY UINT64_C(0x6e6574776f726b31)

#define NET_MAX_DCS 1000
#define NET_MAX_PHARMACIES 1000000
#define NET_MAX_LEAD_TIME 365
#define CAT_MAX_SKUS 10000000

/* A name that is taken is drawn again this many times before a number is added. */
#define NAME_REDRAWS 16

/* ------------------------------------------------------------------------------
 * Defaults
 * ------------------------------------------------------------------------------ */

ech_network_gen ech_network_gen_defaults(void)
{
    /* Three regions of a dozen pharmacies: small enough to read, big enough to
     * show allocation among siblings. */
    return (ech_network_gen){
        .dcs = 3,
        .retail_per_dc = 12,
        .dc_lead_time_days = 2,
        .retail_lead_time_days = 1,
        .cw_cold_capacity_litres = 0.0,
        .dc_cold_capacity_litres = 0.0,
        .retail_cold_capacity_litres = 0.0,
    };
}

ech_catalogue_gen ech_catalogue_gen_defaults(void)
{
    /* A pharmacy stocks some 10-20 thousand of a wholesaler-sized range of 50-100
     * thousand items, hence a density of 0.15.  Fast movers (3-40 units a day) make
     * most of a pharmacy's volume, which grows as fast_share x skus x 10 units a
     * day: with 2%, an average pharmacy of a 10,000-SKU range sells some 2,500
     * units a day, within a few times what real ones do.  A quarter intermittent,
     * 6% cold chain, 3% controlled (narcotics) and 60% with generic substitutes are
     * typical of a European retail range. */
    return (ech_catalogue_gen){
        .skus = 1000,
        .seed = 1,
        .fast_share = 0.02,
        .alternative_share = 0.0,
        .alternative_premium = 0.15,
        .intermittent_share = 0.25,
        .cold_share = 0.06,
        .controlled_share = 0.03,
        .generic_share = 0.60,
        .assortment_density = 0.15,
        .display_share = 0.0,
    };
}

/* ------------------------------------------------------------------------------
 * Unique names
 * ------------------------------------------------------------------------------ */

/* An open-addressing set over an array of names, storing indices into it. */
typedef struct name_set {
    char *const *names;
    int32_t *slot; /* -1: empty */
    uint64_t mask;
} name_set;

static void name_set_init(name_set *s, char *const *names, int64_t capacity)
{
    uint64_t size = 16;
    while (size < (uint64_t)capacity * 2u)
        size <<= 1;
    s->names = names;
    s->mask = size - 1;
    s->slot = ech_xmalloc(size * sizeof *s->slot, "generated name index");
    memset(s->slot, 0xff, size * sizeof *s->slot);
}

static void name_set_free(name_set *s)
{
    free(s->slot);
    s->slot = NULL;
}

static int name_set_contains(const name_set *s, const char *name)
{
    for (uint64_t h = ech_hash_string(name) & s->mask;; h = (h + 1) & s->mask) {
        int32_t i = s->slot[h];
        if (i < 0)
            return 0;
        if (strcmp(s->names[i], name) == 0)
            return 1;
    }
}

/* Adds names[index], which must not be in the set yet. */
static void name_set_add(name_set *s, int32_t index)
{
    uint64_t h = ech_hash_string(s->names[index]) & s->mask;
    while (s->slot[h] >= 0)
        h = (h + 1) & s->mask;
    s->slot[h] = index;
}

/* If buf is taken, appends " 2", " 3", ... until it is not. */
static void make_unique(const name_set *s, char *buf, size_t cap)
{
    if (!name_set_contains(s, buf))
        return;
    /* Room for the suffix: names are far shorter than this in practice. */
    char base[200];
    size_t len = strnlen(buf, sizeof base - 1);
    memcpy(base, buf, len);
    base[len] = '\0';
    for (int64_t k = 2;; ++k) {
        snprintf(buf, cap, "%s %lld", base, (long long)k);
        if (!name_set_contains(s, buf))
            return;
    }
}

#define COUNT_OF(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const char *pick(ech_pcg32 *rng, const char *const *list, uint32_t n)
{
    return list[ech_pcg32_bounded(rng, n)];
}

/* ------------------------------------------------------------------------------
 * Pharmacies: type and size
 * ------------------------------------------------------------------------------ */

typedef enum pharmacy_type {
    PHARMACY_HOSPITAL = 0,  /* hospital pharmacy: large, served first */
    PHARMACY_LARGE = 1,     /* city-centre or shopping-centre pharmacy */
    PHARMACY_COMMUNITY = 2, /* the ordinary neighbourhood pharmacy */
} pharmacy_type;

typedef struct pharmacy_profile {
    pharmacy_type type;
    double size; /* demand and assortment multiplier, about 1 on average */
} pharmacy_profile;

/* A pharmacy's type and size, from its id alone.  The network generator uses the
 * type for the name and the allocation priority, and the catalogue generator the
 * size for every SKU, so "a hospital pharmacy is served first" and "a hospital
 * pharmacy sells more" agree.  Networks loaded from files get sizes the same way. */
static pharmacy_profile pharmacy_profile_of(const char *id)
{
    ech_pcg32 rng;
    ech_stream_init(&rng, NETWORK_KEY, ECH_STREAM_GENERATOR, 0, GEN_PHARMACY, ech_hash_string(id));
    double u = ech_pcg32_uniform(&rng);
    pharmacy_profile p;
    /* 6% hospital pharmacies at about 2.6 times an average pharmacy's turnover, 18%
     * large ones at about 1.7 times, the rest community pharmacies at 0.75 with a
     * spread of +-35%: the overall mean is about 1. */
    if (u < 0.06) {
        p.type = PHARMACY_HOSPITAL;
        p.size = ech_sample_lognormal(&rng, ech_log(2.6), 0.25);
    } else if (u < 0.24) {
        p.type = PHARMACY_LARGE;
        p.size = ech_sample_lognormal(&rng, ech_log(1.7), 0.20);
    } else {
        p.type = PHARMACY_COMMUNITY;
        p.size = ech_sample_lognormal(&rng, ech_log(0.75), 0.35);
    }
    /* Bounded so that the weighted choice of stocking pharmacies stays fast. */
    if (p.size < 0.2)
        p.size = 0.2;
    if (p.size > 6.0)
        p.size = 6.0;
    return p;
}

/* ------------------------------------------------------------------------------
 * Network names
 *
 * A name is prefix + word + suffix + " " + town, in one of five national styles.
 * Each DC serves one region, so its pharmacies share a style; without DCs every
 * pharmacy draws its own.  ASCII only, so that names sort the same everywhere.
 * ------------------------------------------------------------------------------ */

typedef struct name_pattern {
    const char *prefix, *suffix;
    const char *const *words;
    uint32_t n_words;
} name_pattern;

typedef struct name_style {
    const char *dc_prefix;
    const char *const *towns;
    uint32_t n_towns;
    const name_pattern *community;
    uint32_t n_community;
    const name_pattern *hospital;
    uint32_t n_hospital;
} name_style;

#define WORDS(a) a, COUNT_OF(a)

static const char *const de_towns[] = {
    "Kassel",     "Bamberg",   "Ulm",    "Freiburg",  "Goettingen", "Heidelberg", "Muenster",
    "Regensburg", "Wuerzburg", "Erfurt", "Potsdam",   "Rostock",    "Trier",      "Koblenz",
    "Bielefeld",  "Augsburg",  "Passau", "Lueneburg", "Jena",       "Konstanz"};
static const char *const de_signs[] = {"Adler",   "Loewen",  "Stern",   "Rosen",   "Linden",
                                       "Markt",   "Rathaus", "Bahnhof", "Sonnen",  "Hirsch",
                                       "Einhorn", "Engel",   "Kronen",  "Schloss", "Park",
                                       "Brunnen", "Stadt",   "Post",    "Mohren",  "Hof"};
static const char *const de_places[] = {"Markt",     "Rathaus",      "Dom",        "Bahnhof",
                                        "Stadtpark", "Schlossplatz", "Rosenplatz", "Lindenplatz",
                                        "Wall",      "Tor",          "Kirchplatz", "Ring"};
static const char *const de_hospitals[] = {"St. Elisabeth",        "St. Josef",
                                           "Marienhospital",       "Klinikum Mitte",
                                           "Klinikum Nord",        "Evangelisches Krankenhaus",
                                           "Universitaetsklinikum"};
static const name_pattern de_community[] = {
    {"", "-Apotheke", WORDS(de_signs)},
    {"Apotheke am ", "", WORDS(de_places)},
};
static const name_pattern de_hospital[] = {{"Krankenhausapotheke ", "", WORDS(de_hospitals)}};

static const char *const fr_towns[] = {"Lyon",     "Nantes",   "Lille",   "Rennes",    "Dijon",
                                       "Tours",    "Angers",   "Reims",   "Rouen",     "Caen",
                                       "Nancy",    "Metz",     "Limoges", "Amiens",    "Poitiers",
                                       "Besancon", "Grenoble", "Nimes",   "Perpignan", "Orleans"};
static const char *const fr_places[] = {
    "du Centre", "de la Gare",       "du Marche",    "de la Mairie",  "des Halles",
    "du Port",   "de la Place",      "du Chateau",   "de l'Eglise",   "des Arcades",
    "du Parc",   "de la Poste",      "Saint-Michel", "Saint-Jacques", "des Tilleuls",
    "du Pont",   "de la Cathedrale", "des Remparts"};
static const char *const fr_grand[] = {"du Centre", "de la Gare",  "des Halles",
                                       "de Paris",  "de l'Avenue", "du Boulevard"};
static const char *const fr_hospitals[] = {"du CHU",
                                           "de l'Hopital Saint-Louis",
                                           "de l'Hopital Pasteur",
                                           "du Centre Hospitalier",
                                           "de la Clinique Sainte-Anne",
                                           "de l'Hopital Nord"};
static const name_pattern fr_community[] = {
    {"Pharmacie ", "", WORDS(fr_places)},
    {"Grande Pharmacie ", "", WORDS(fr_grand)},
};
static const name_pattern fr_hospital[] = {{"Pharmacie ", "", WORDS(fr_hospitals)}};

static const char *const it_towns[] = {"Verona",  "Padova",  "Bologna", "Parma",   "Modena",
                                       "Bergamo", "Brescia", "Trento",  "Pisa",    "Lucca",
                                       "Siena",   "Perugia", "Ancona",  "Bari",    "Lecce",
                                       "Salerno", "Udine",   "Ferrara", "Ravenna", "Cremona"};
static const char *const it_places[] = {
    "San Marco",   "Centrale",    "del Duomo", "della Stazione", "Internazionale", "al Ponte",
    "San Giorgio", "Santa Lucia", "del Corso", "alla Piazza",    "San Francesco",  "Moderna",
    "dei Portici", "Sant'Anna",   "Garibaldi", "Mazzini"};
static const char *const it_hospitals[] = {"Ospedaliera", "dell'Ospedale San Raffaele",
                                           "dell'Ospedale Maggiore", "del Policlinico",
                                           "dell'Ospedale Civile"};
static const name_pattern it_community[] = {{"Farmacia ", "", WORDS(it_places)}};
static const name_pattern it_hospital[] = {{"Farmacia ", "", WORDS(it_hospitals)}};

static const char *const es_towns[] = {"Sevilla", "Valencia", "Malaga",   "Zaragoza",   "Bilbao",
                                       "Granada", "Cordoba",  "Alicante", "Valladolid", "Salamanca",
                                       "Burgos",  "Cadiz",    "Murcia",   "Oviedo",     "Toledo",
                                       "Leon",    "Pamplona", "Santander"};
static const char *const es_places[] = {
    "del Carmen",   "San Antonio", "Plaza Mayor", "de la Estacion", "del Mercado",
    "Santa Maria",  "Central",     "del Puerto",  "La Alameda",     "San Juan",
    "Las Palmeras", "del Sol",     "La Fuente",   "de la Catedral"};
static const char *const es_hospitals[] = {"Hospital Universitario", "Hospital General",
                                           "Hospital Virgen del Rocio", "Hospital La Paz",
                                           "Hospital del Mar"};
static const name_pattern es_community[] = {{"Farmacia ", "", WORDS(es_places)}};
static const name_pattern es_hospital[] = {{"Servicio de Farmacia ", "", WORDS(es_hospitals)}};

static const char *const nl_towns[] = {"Utrecht",    "Leiden",  "Haarlem",    "Delft",
                                       "Zwolle",     "Arnhem",  "Nijmegen",   "Groningen",
                                       "Breda",      "Tilburg", "Maastricht", "Deventer",
                                       "Amersfoort", "Alkmaar", "Gouda",      "Enschede"};
static const char *const nl_places[] = {"De Linde",  "Centrum",    "De Brink",    "Het Anker",
                                        "De Vaart",  "Marktplein", "De Wissel",   "Oosterpoort",
                                        "De Gracht", "Stadspoort", "Het Kasteel", "De Molen"};
static const char *const nl_compounds[] = {"Stads", "Dorps", "Burg", "Haven", "Markt", "Linden"};
static const char *const nl_hospitals[] = {"Noord", "Centrum", "Rijnstate",
                                           "Isala", "Gelre",   "Sint Antonius"};
static const name_pattern nl_community[] = {
    {"Apotheek ", "", WORDS(nl_places)},
    {"", "apotheek", WORDS(nl_compounds)},
};
static const name_pattern nl_hospital[] = {{"Ziekenhuisapotheek ", "", WORDS(nl_hospitals)}};

#define PATTERNS(a) a, COUNT_OF(a)
static const name_style styles[] = {
    {"Regionallager ", WORDS(de_towns), PATTERNS(de_community), PATTERNS(de_hospital)},
    {"Entrepot regional ", WORDS(fr_towns), PATTERNS(fr_community), PATTERNS(fr_hospital)},
    {"Magazzino regionale ", WORDS(it_towns), PATTERNS(it_community), PATTERNS(it_hospital)},
    {"Almacen regional ", WORDS(es_towns), PATTERNS(es_community), PATTERNS(es_hospital)},
    {"Regionaal distributiecentrum ", WORDS(nl_towns), PATTERNS(nl_community),
     PATTERNS(nl_hospital)},
};
#define N_STYLES COUNT_OF(styles)

static void pharmacy_name(ech_pcg32 *rng, const name_style *st, pharmacy_type type, char *buf,
                          size_t cap)
{
    const name_pattern *pat = type == PHARMACY_HOSPITAL
                                  ? &st->hospital[ech_pcg32_bounded(rng, st->n_hospital)]
                                  : &st->community[ech_pcg32_bounded(rng, st->n_community)];
    const char *word = pick(rng, pat->words, pat->n_words);
    const char *town = pick(rng, st->towns, st->n_towns);
    snprintf(buf, cap, "%s%s%s %s", pat->prefix, word, pat->suffix, town);
}

/* ------------------------------------------------------------------------------
 * Network
 * ------------------------------------------------------------------------------ */

static int decimal_digits(int64_t x)
{
    int d = 1;
    while (x >= 10) {
        x /= 10;
        ++d;
    }
    return d;
}

/* prefix + number zero-padded to `width` digits: "PH0007".  Ids of one table share
 * a width wide enough for the largest number, so they sort in number order. */
static void format_id(char *buf, size_t cap, const char *prefix, int64_t number, int width)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)number);
    int pad = width > len ? width - len : 0;
    if (pad > 16)
        pad = 16;
    snprintf(buf, cap, "%s%.*s%s", prefix, pad, "0000000000000000", digits);
}

static ech_status check_network_gen(const ech_network_gen *g, ech_error *err)
{
    if (g->dcs < 0)
        return ech_fail(err, ECH_ERR_INPUT, "network.generate.dcs: must be >= 0 (got %d)",
                        (int)g->dcs);
    if (g->dcs > NET_MAX_DCS)
        return ech_fail(err, ECH_ERR_INPUT, "network.generate.dcs: must be <= %d (got %d)",
                        NET_MAX_DCS, (int)g->dcs);
    if (g->retail_per_dc < 1)
        return ech_fail(err, ECH_ERR_INPUT, "network.generate.retail_per_dc: must be >= 1 (got %d)",
                        (int)g->retail_per_dc);
    int64_t pharmacies = (int64_t)(g->dcs > 0 ? g->dcs : 1) * g->retail_per_dc;
    if (pharmacies > NET_MAX_PHARMACIES)
        return ech_fail(err, ECH_ERR_INPUT,
                        "network.generate.retail_per_dc: %lld pharmacies in all (dcs x "
                        "retail_per_dc); at most %d are supported",
                        (long long)pharmacies, NET_MAX_PHARMACIES);
    if (g->dc_lead_time_days < 0 || g->dc_lead_time_days > NET_MAX_LEAD_TIME)
        return ech_fail(err, ECH_ERR_INPUT,
                        "network.generate.dc_lead_time_days: must be in 0..%d (got %d)",
                        NET_MAX_LEAD_TIME, (int)g->dc_lead_time_days);
    if (g->retail_lead_time_days < 0 || g->retail_lead_time_days > NET_MAX_LEAD_TIME)
        return ech_fail(err, ECH_ERR_INPUT,
                        "network.generate.retail_lead_time_days: must be in 0..%d (got %d)",
                        NET_MAX_LEAD_TIME, (int)g->retail_lead_time_days);
    const struct {
        const char *key;
        double v;
    } cold[3] = {{"cw_cold_capacity_litres", g->cw_cold_capacity_litres},
                 {"dc_cold_capacity_litres", g->dc_cold_capacity_litres},
                 {"retail_cold_capacity_litres", g->retail_cold_capacity_litres}};
    for (int i = 0; i < 3; ++i)
        if (!(cold[i].v >= 0.0 && isfinite(cold[i].v)))
            return ech_fail(err, ECH_ERR_INPUT, "network.generate.%s: must be >= 0 litres (got %g)",
                            cold[i].key, cold[i].v);
    return ECH_OK;
}

ech_status ech_generate_network(const ech_network_gen *g, ech_scenario *sc, ech_error *err)
{
    if (!g || !sc)
        return ech_fail(err, ECH_ERR_RUNTIME, "network.generate: no parameters or scenario");
    ech_status st = check_network_gen(g, err);
    if (st != ECH_OK)
        return st;

    int32_t dcs = g->dcs;
    int32_t pharmacies = (dcs > 0 ? dcs : 1) * g->retail_per_dc;
    int32_t n = 1 + dcs + pharmacies;

    ech_network *net = &sc->net;
    ech_network_free(net);
    ech_table_alloc(&ech_network_table, net, n);
    net->n = n;

    name_set names;
    name_set_init(&names, net->name, n);
    char buf[256];

    /* The root: priority and review offset do not matter for a location without
     * siblings, and the root's lane is from the suppliers (lead time 0 here). */
    net->id[0] = ech_xstrdup("CW", "location id");
    net->name[0] = ech_xstrdup("Central Warehouse", "location name");
    net->kind[0] = ECH_LOC_CW;
    net->parent[0] = -1;
    net->lead_time_days[0] = 0;
    net->priority[0] = 0;
    net->review_offset[0] = 0;
    net->cold_capacity_litres[0] = g->cw_cold_capacity_litres;
    name_set_add(&names, 0);

    /* DCs: one region each, named after its hub town in the region's language.
     * DCs are equals (priority 1, ties broken by name).  They review with offset 0:
     * under the default rules upstream locations review daily. */
    int dc_width = decimal_digits(dcs) > 2 ? decimal_digits(dcs) : 2;
    for (int32_t d = 0; d < dcs; ++d) {
        int32_t loc = 1 + d;
        const name_style *sty = &styles[(uint32_t)d % N_STYLES];
        /* Successive DCs of one style take towns seven apart, so hubs differ. */
        uint32_t town = ((uint32_t)d / N_STYLES * 7u) % sty->n_towns;
        format_id(buf, sizeof buf, "DC", d + 1, dc_width);
        net->id[loc] = ech_xstrdup(buf, "location id");
        snprintf(buf, sizeof buf, "%s%s", sty->dc_prefix, sty->towns[town]);
        make_unique(&names, buf, sizeof buf);
        net->name[loc] = ech_xstrdup(buf, "location name");
        name_set_add(&names, loc);
        net->kind[loc] = ECH_LOC_DC;
        net->parent[loc] = 0;
        net->lead_time_days[loc] = g->dc_lead_time_days;
        net->priority[loc] = 1;
        net->review_offset[loc] = 0;
        net->cold_capacity_litres[loc] = g->dc_cold_capacity_litres;
    }

    /* Pharmacies.  Names are drawn, so alphabetical order is unrelated to id order.
     * Priority: hospital pharmacies first (1), then large ones (2), then community
     * pharmacies (3).  Review days are staggered over the week (offset k mod 7), as
     * delivery tours are, so that a DC does not receive every order on one day. */
    int ph_width = decimal_digits(pharmacies) > 4 ? decimal_digits(pharmacies) : 4;
    for (int32_t k = 0; k < pharmacies; ++k) {
        int32_t loc = 1 + dcs + k;
        int32_t dc = dcs > 0 ? k / g->retail_per_dc : -1;
        ech_pcg32 rng;
        ech_stream_init(&rng, NETWORK_KEY, ECH_STREAM_GENERATOR, (uint64_t)k, GEN_NETWORK_NAME, 0);
        const name_style *sty =
            dc >= 0 ? &styles[(uint32_t)dc % N_STYLES] : &styles[ech_pcg32_bounded(&rng, N_STYLES)];

        format_id(buf, sizeof buf, "PH", k + 1, ph_width);
        net->id[loc] = ech_xstrdup(buf, "location id");
        pharmacy_profile prof = pharmacy_profile_of(buf);

        pharmacy_name(&rng, sty, prof.type, buf, sizeof buf);
        for (int r = 0; r < NAME_REDRAWS && name_set_contains(&names, buf); ++r)
            pharmacy_name(&rng, sty, prof.type, buf, sizeof buf);
        make_unique(&names, buf, sizeof buf);
        net->name[loc] = ech_xstrdup(buf, "location name");
        name_set_add(&names, loc);

        net->kind[loc] = ECH_LOC_RETAIL;
        net->parent[loc] = dc >= 0 ? 1 + dc : 0;
        net->lead_time_days[loc] = g->retail_lead_time_days;
        net->priority[loc] = prof.type == PHARMACY_HOSPITAL ? 1
                             : prof.type == PHARMACY_LARGE  ? 2
                                                            : 3;
        net->review_offset[loc] = k % 7;
        net->cold_capacity_litres[loc] = g->retail_cold_capacity_litres;
    }
    name_set_free(&names);
    return ECH_OK;
}

/* ------------------------------------------------------------------------------
 * SKU names
 *
 * "<molecule> [<maker>] <strength> <form> <pack>" for generics, as generic lines are
 * named after the molecule and the maker; "<Brand> (<molecule>) <strength> <form>
 * <pack>" for unique (patented) drugs.  Makers and brands are invented.
 * ------------------------------------------------------------------------------ */

typedef enum form_group {
    FORM_ORAL,
    FORM_PATCH,
    FORM_INJECT,
    FORM_LIQUID,
    FORM_TOPICAL,
    FORM_RESP,
    FORM_EYE,
    FORM_GROUP_COUNT
} form_group;

enum { MOL_COMMON = 1, MOL_COLD = 2, MOL_CONTROLLED = 4 };

typedef struct molecule {
    const char *name;
    const char *strengths; /* alternatives separated by '|' */
    uint8_t group;         /* form_group */
    uint8_t flags;         /* MOL_* */
} molecule;

static const molecule molecules[] = {
    /* Everyday oral drugs; MOL_COMMON ones are the usual fast movers. */
    {"Paracetamol", "500 mg|1 g", FORM_ORAL, MOL_COMMON},
    {"Ibuprofen", "200 mg|400 mg|600 mg", FORM_ORAL, MOL_COMMON},
    {"Acetylsalicylic acid", "100 mg|500 mg", FORM_ORAL, MOL_COMMON},
    {"Metformin", "500 mg|850 mg|1000 mg", FORM_ORAL, MOL_COMMON},
    {"Amlodipine", "5 mg|10 mg", FORM_ORAL, MOL_COMMON},
    {"Ramipril", "2.5 mg|5 mg|10 mg", FORM_ORAL, MOL_COMMON},
    {"Simvastatin", "20 mg|40 mg", FORM_ORAL, MOL_COMMON},
    {"Atorvastatin", "10 mg|20 mg|40 mg", FORM_ORAL, MOL_COMMON},
    {"Pantoprazole", "20 mg|40 mg", FORM_ORAL, MOL_COMMON},
    {"Omeprazole", "20 mg|40 mg", FORM_ORAL, MOL_COMMON},
    {"Metoprolol succinate", "47.5 mg|95 mg", FORM_ORAL, MOL_COMMON},
    {"Bisoprolol", "2.5 mg|5 mg|10 mg", FORM_ORAL, MOL_COMMON},
    {"Levothyroxine", "50 mcg|75 mcg|100 mcg", FORM_ORAL, MOL_COMMON},
    {"Cetirizine", "10 mg", FORM_ORAL, MOL_COMMON},
    {"Loratadine", "10 mg", FORM_ORAL, MOL_COMMON},
    {"Diclofenac", "25 mg|50 mg|75 mg", FORM_ORAL, MOL_COMMON},
    {"Vitamin D3", "1000 IU|20000 IU", FORM_ORAL, MOL_COMMON},
    {"Candesartan", "8 mg|16 mg|32 mg", FORM_ORAL, 0},
    {"Valsartan", "80 mg|160 mg", FORM_ORAL, 0},
    {"Losartan", "50 mg|100 mg", FORM_ORAL, 0},
    {"Hydrochlorothiazide", "12.5 mg|25 mg", FORM_ORAL, 0},
    {"Torasemide", "5 mg|10 mg", FORM_ORAL, 0},
    {"Furosemide", "20 mg|40 mg", FORM_ORAL, 0},
    {"Amoxicillin", "500 mg|1000 mg", FORM_ORAL, 0},
    {"Cefuroxime", "250 mg|500 mg", FORM_ORAL, 0},
    {"Azithromycin", "250 mg|500 mg", FORM_ORAL, 0},
    {"Ciprofloxacin", "250 mg|500 mg", FORM_ORAL, 0},
    {"Doxycycline", "100 mg|200 mg", FORM_ORAL, 0},
    {"Naproxen", "250 mg|500 mg", FORM_ORAL, 0},
    {"Metamizole", "500 mg", FORM_ORAL, 0},
    {"Sertraline", "50 mg|100 mg", FORM_ORAL, 0},
    {"Citalopram", "10 mg|20 mg", FORM_ORAL, 0},
    {"Escitalopram", "10 mg|20 mg", FORM_ORAL, 0},
    {"Mirtazapine", "15 mg|30 mg", FORM_ORAL, 0},
    {"Venlafaxine", "75 mg|150 mg", FORM_ORAL, 0},
    {"Quetiapine", "25 mg|100 mg|300 mg", FORM_ORAL, 0},
    {"Gabapentin", "300 mg|600 mg", FORM_ORAL, 0},
    {"Allopurinol", "100 mg|300 mg", FORM_ORAL, 0},
    {"Apixaban", "2.5 mg|5 mg", FORM_ORAL, 0},
    {"Rivaroxaban", "15 mg|20 mg", FORM_ORAL, 0},
    {"Clopidogrel", "75 mg", FORM_ORAL, 0},
    {"Tamsulosin", "0.4 mg", FORM_ORAL, 0},
    {"Finasteride", "5 mg", FORM_ORAL, 0},
    {"Sitagliptin", "50 mg|100 mg", FORM_ORAL, 0},
    {"Empagliflozin", "10 mg|25 mg", FORM_ORAL, 0},
    {"Prednisolone", "5 mg|20 mg", FORM_ORAL, 0},
    {"Montelukast", "10 mg", FORM_ORAL, 0},
    {"Loperamide", "2 mg", FORM_ORAL, 0},
    {"Ondansetron", "4 mg|8 mg", FORM_ORAL, 0},
    {"Lamotrigine", "50 mg|100 mg", FORM_ORAL, 0},
    {"Levetiracetam", "500 mg|1000 mg", FORM_ORAL, 0},
    {"Spironolactone", "25 mg|50 mg", FORM_ORAL, 0},
    {"Nitrofurantoin", "50 mg|100 mg", FORM_ORAL, 0},
    {"Fluconazole", "50 mg|150 mg", FORM_ORAL, 0},
    {"Aciclovir", "200 mg|400 mg|800 mg", FORM_ORAL, 0},
    {"Sildenafil", "50 mg|100 mg", FORM_ORAL, 0},
    {"Folic acid", "0.4 mg|5 mg", FORM_ORAL, 0},
    {"Magnesium", "300 mg", FORM_ORAL, 0},
    {"Pregabalin", "75 mg|150 mg", FORM_ORAL, 0},
    {"Dabigatran", "110 mg|150 mg", FORM_ORAL, 0},
    /* Liquids, topicals, inhalers, eye drops. */
    {"Ambroxol", "15 mg/5 ml|30 mg/5 ml", FORM_LIQUID, MOL_COMMON},
    {"Lactulose", "667 mg/ml", FORM_LIQUID, 0},
    {"Amoxicillin", "250 mg/5 ml", FORM_LIQUID, 0},
    {"Ibuprofen", "100 mg/5 ml|200 mg/5 ml", FORM_LIQUID, MOL_COMMON},
    {"Hydrocortisone", "0.5%|1%", FORM_TOPICAL, 0},
    {"Diclofenac", "1%|2%", FORM_TOPICAL, MOL_COMMON},
    {"Clotrimazole", "1%", FORM_TOPICAL, 0},
    {"Dexpanthenol", "5%", FORM_TOPICAL, MOL_COMMON},
    {"Mometasone", "0.1%", FORM_TOPICAL, 0},
    {"Salbutamol", "100 mcg/dose", FORM_RESP, MOL_COMMON},
    {"Budesonide/formoterol", "160/4.5 mcg|320/9 mcg", FORM_RESP, 0},
    {"Fluticasone", "50 mcg/dose", FORM_RESP, 0},
    {"Xylometazoline", "0.05%|0.1%", FORM_RESP, MOL_COMMON},
    {"Tiotropium", "2.5 mcg/dose", FORM_RESP, 0},
    {"Hyaluronic acid", "0.1%|0.2%", FORM_EYE, MOL_COMMON},
    {"Timolol", "0.25%|0.5%", FORM_EYE, 0},
    {"Dexamethasone", "0.1%", FORM_EYE, 0},
    /* Cold chain: biologics, insulins, vaccines, some eye drops. */
    {"Insulin glargine", "100 units/ml|300 units/ml", FORM_INJECT, MOL_COLD | MOL_COMMON},
    {"Insulin aspart", "100 units/ml", FORM_INJECT, MOL_COLD | MOL_COMMON},
    {"Insulin lispro", "100 units/ml|200 units/ml", FORM_INJECT, MOL_COLD},
    {"Insulin human", "100 units/ml", FORM_INJECT, MOL_COLD},
    {"Adalimumab", "40 mg|80 mg", FORM_INJECT, MOL_COLD},
    {"Etanercept", "25 mg|50 mg", FORM_INJECT, MOL_COLD},
    {"Semaglutide", "0.25 mg|0.5 mg|1 mg", FORM_INJECT, MOL_COLD},
    {"Dulaglutide", "1.5 mg|3 mg", FORM_INJECT, MOL_COLD},
    {"Liraglutide", "6 mg/ml", FORM_INJECT, MOL_COLD},
    {"Ustekinumab", "45 mg|90 mg", FORM_INJECT, MOL_COLD},
    {"Secukinumab", "150 mg|300 mg", FORM_INJECT, MOL_COLD},
    {"Dupilumab", "200 mg|300 mg", FORM_INJECT, MOL_COLD},
    {"Denosumab", "60 mg", FORM_INJECT, MOL_COLD},
    {"Teriparatide", "20 mcg", FORM_INJECT, MOL_COLD},
    {"Epoetin alfa", "2000 IU|4000 IU|10000 IU", FORM_INJECT, MOL_COLD},
    {"Filgrastim", "30 MU|48 MU", FORM_INJECT, MOL_COLD},
    {"Somatropin", "5 mg|12 mg", FORM_INJECT, MOL_COLD},
    {"Follitropin alfa", "75 IU|300 IU", FORM_INJECT, MOL_COLD},
    {"Interferon beta-1a", "30 mcg|44 mcg", FORM_INJECT, MOL_COLD},
    {"Influenza vaccine", "0.5 ml", FORM_INJECT, MOL_COLD | MOL_COMMON},
    {"Hepatitis B vaccine", "10 mcg|20 mcg", FORM_INJECT, MOL_COLD},
    {"Tetanus-diphtheria vaccine", "0.5 ml", FORM_INJECT, MOL_COLD},
    {"Latanoprost", "50 mcg/ml", FORM_EYE, MOL_COLD},
    /* Controlled substances (narcotics and psychotropics). */
    {"Morphine sulfate", "10 mg|30 mg|60 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Oxycodone", "5 mg|10 mg|20 mg|40 mg", FORM_ORAL, MOL_CONTROLLED | MOL_COMMON},
    {"Hydromorphone", "4 mg|8 mg|16 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Tapentadol", "50 mg|100 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Tilidine/naloxone", "50/4 mg|100/8 mg", FORM_ORAL, MOL_CONTROLLED | MOL_COMMON},
    {"Methylphenidate", "10 mg|18 mg|36 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Lisdexamfetamine", "30 mg|50 mg|70 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Diazepam", "5 mg|10 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Lorazepam", "1 mg|2.5 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Zolpidem", "10 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Clonazepam", "0.5 mg|2 mg", FORM_ORAL, MOL_CONTROLLED},
    {"Fentanyl", "12 mcg/h|25 mcg/h|50 mcg/h|100 mcg/h", FORM_PATCH, MOL_CONTROLLED},
    {"Buprenorphine", "5 mcg/h|10 mcg/h|35 mcg/h", FORM_PATCH, MOL_CONTROLLED},
    {"Methadone", "1 mg/ml", FORM_LIQUID, MOL_CONTROLLED},
    {"Morphine hydrochloride", "10 mg/ml", FORM_INJECT, MOL_CONTROLLED},
    /* Cold and controlled: rare, but a catalogue with both shares set needs some. */
    {"Remifentanil", "1 mg|2 mg", FORM_INJECT, MOL_CONTROLLED | MOL_COLD},
};
#define N_MOLECULES COUNT_OF(molecules)

static const char *const forms_oral[] = {"tablets",
                                         "film-coated tablets",
                                         "capsules",
                                         "prolonged-release tablets",
                                         "effervescent tablets",
                                         "orodispersible tablets",
                                         "hard capsules",
                                         "gastro-resistant tablets"};
static const char *const packs_oral[] = {"x10", "x20", "x28", "x30", "x50", "x56", "x100"};
static const char *const forms_patch[] = {"transdermal patches", "matrix patches"};
static const char *const packs_patch[] = {"x4", "x5", "x10", "x20"};
static const char *const forms_inject[] = {"pre-filled pen", "pre-filled syringe", "vial",
                                           "cartridges", "solution for injection"};
static const char *const packs_inject[] = {"x1", "x2", "x3", "x4", "x5", "x10"};
static const char *const forms_liquid[] = {"oral solution 100 ml", "syrup 200 ml",
                                           "oral drops 30 ml", "oral suspension 100 ml",
                                           "oral solution 500 ml"};
static const char *const forms_topical[] = {"cream 30 g",     "cream 50 g", "ointment 30 g",
                                            "ointment 100 g", "gel 50 g",   "gel 100 g"};
static const char *const forms_resp[] = {"inhaler 200 doses", "inhaler 120 doses",
                                         "nasal spray 10 ml", "nasal spray 120 doses",
                                         "inhalation powder 60 doses"};
static const char *const forms_eye[] = {"eye drops 5 ml", "eye drops 10 ml",
                                        "single-dose eye drops 0.4 ml"};
/* Packaged forms are mostly sold singly. */
static const char *const packs_single[] = {"", "", "", "x2", "x3"};

static const struct {
    const char *const *forms;
    uint32_t n_forms;
    const char *const *packs;
    uint32_t n_packs;
} form_groups[FORM_GROUP_COUNT] = {
    [FORM_ORAL] = {WORDS(forms_oral), WORDS(packs_oral)},
    [FORM_PATCH] = {WORDS(forms_patch), WORDS(packs_patch)},
    [FORM_INJECT] = {WORDS(forms_inject), WORDS(packs_inject)},
    [FORM_LIQUID] = {WORDS(forms_liquid), WORDS(packs_single)},
    [FORM_TOPICAL] = {WORDS(forms_topical), WORDS(packs_single)},
    [FORM_RESP] = {WORDS(forms_resp), WORDS(packs_single)},
    [FORM_EYE] = {WORDS(forms_eye), WORDS(packs_single)},
};

static const char *const makers[] = {"Almapharm", "Medivio",    "Novagen",    "Salutis",
                                     "Farmalex",  "Helvepharm", "Pharmavit",  "Curamed",
                                     "Genericon", "Vitalis",    "Nordpharma", "Lusopharm",
                                     "Iberfarma", "Medigen",    "Rhenapharm", "Danubia"};
static const char *const brand_head[] = {"Ze", "Vo", "Ca", "Li", "Pra", "No", "Tri", "Xa",
                                         "Mo", "Re", "Su", "Ta", "Ar",  "El", "Ox",  "Dy"};
static const char *const brand_mid[] = {"ra", "lo", "ni", "ve", "xa", "ti",
                                        "mu", "de", "ro", "ba", "ca", "li"};
static const char *const brand_tail[] = {"xa",  "ra",  "vo",  "lin", "tin", "mex",
                                         "rol", "dia", "zen", "tor", "vix", "lan"};

/* Copies the k-th of the '|'-separated alternatives in list into out. */
static void strength_token(const char *list, uint32_t k, char *out, size_t cap)
{
    const char *p = list;
    for (; k > 0; --k) {
        const char *bar = strchr(p, '|');
        if (!bar)
            break;
        p = bar + 1;
    }
    size_t len = strcspn(p, "|");
    if (len >= cap)
        len = cap - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

static uint32_t strength_count(const char *list)
{
    uint32_t n = 1;
    for (const char *p = list; *p; ++p)
        n += *p == '|';
    return n;
}

static int molecule_fits(const molecule *m, int cold, int controlled, int common)
{
    return ((m->flags & MOL_COLD) != 0) == (cold != 0) &&
           ((m->flags & MOL_CONTROLLED) != 0) == (controlled != 0) &&
           (!common || (m->flags & MOL_COMMON));
}

/* A molecule of the SKU's kind: cold-chain SKUs get biologics, controlled ones
 * narcotics, fast movers the everyday drugs.  When no molecule fits exactly the
 * "common" and then the "controlled" wish is dropped. */
static const molecule *pick_molecule(ech_pcg32 *rng, int cold, int controlled, int fast)
{
    int tries[3][2] = {{controlled, fast}, {controlled, 0}, {0, 0}};
    for (int t = 0; t < 3; ++t) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < N_MOLECULES; ++i)
            n += (uint32_t)molecule_fits(&molecules[i], cold, tries[t][0], tries[t][1]);
        if (n == 0)
            continue;
        uint32_t k = ech_pcg32_bounded(rng, n);
        for (uint32_t i = 0; i < N_MOLECULES; ++i)
            if (molecule_fits(&molecules[i], cold, tries[t][0], tries[t][1]) && k-- == 0)
                return &molecules[i];
    }
    return &molecules[0];
}

static void sku_name(ech_pcg32 *rng, int cold, int controlled, int fast, int generic, char *buf,
                     size_t cap)
{
    const molecule *m = pick_molecule(rng, cold, controlled, fast);
    char strength[48];
    strength_token(m->strengths, ech_pcg32_bounded(rng, strength_count(m->strengths)), strength,
                   sizeof strength);
    const char *form = pick(rng, form_groups[m->group].forms, form_groups[m->group].n_forms);
    const char *pack = pick(rng, form_groups[m->group].packs, form_groups[m->group].n_packs);
    const char *sep = pack[0] ? " " : "";
    if (generic) {
        const char *maker = pick(rng, makers, COUNT_OF(makers));
        snprintf(buf, cap, "%s %s %s %s%s%s", m->name, maker, strength, form, sep, pack);
    } else {
        char inn[64];
        snprintf(inn, sizeof inn, "%s", m->name);
        if (inn[0] >= 'A' && inn[0] <= 'Z')
            inn[0] = (char)(inn[0] - 'A' + 'a');
        const char *h = pick(rng, brand_head, COUNT_OF(brand_head));
        const char *mid = pick(rng, brand_mid, COUNT_OF(brand_mid));
        const char *t = pick(rng, brand_tail, COUNT_OF(brand_tail));
        snprintf(buf, cap, "%s%s%s (%s) %s %s%s%s", h, mid, t, inn, strength, form, sep, pack);
    }
}

/* ------------------------------------------------------------------------------
 * Weighted choice of pharmacies (Walker's alias method, Vose's construction)
 * ------------------------------------------------------------------------------ */

typedef struct alias_table {
    int32_t n;
    double *prob;
    int32_t *alias;
} alias_table;

static void alias_build(alias_table *t, const double *w, int32_t n)
{
    t->n = n;
    t->prob = ech_xmalloc((size_t)n * sizeof *t->prob, "pharmacy choice table");
    t->alias = ech_xmalloc((size_t)n * sizeof *t->alias, "pharmacy choice aliases");
    int32_t *small = ech_xmalloc((size_t)n * sizeof *small, "alias work list");
    int32_t *large = ech_xmalloc((size_t)n * sizeof *large, "alias work list");
    double sum = 0.0;
    for (int32_t i = 0; i < n; ++i)
        sum += w[i];
    int32_t ns = 0, nl = 0;
    for (int32_t i = 0; i < n; ++i) {
        t->prob[i] = w[i] * (double)n / sum;
        t->alias[i] = i;
        if (t->prob[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        int32_t s = small[--ns], l = large[nl - 1];
        t->alias[s] = l;
        t->prob[l] -= 1.0 - t->prob[s];
        if (t->prob[l] < 1.0) {
            --nl;
            small[ns++] = l;
        }
    }
    /* What is left is 1 up to rounding. */
    while (nl > 0)
        t->prob[large[--nl]] = 1.0;
    while (ns > 0)
        t->prob[small[--ns]] = 1.0;
    free(small);
    free(large);
}

static void alias_free(alias_table *t)
{
    free(t->prob);
    free(t->alias);
}

static int32_t alias_draw(const alias_table *t, ech_pcg32 *rng)
{
    int32_t i = (int32_t)ech_pcg32_bounded(rng, (uint32_t)t->n);
    return ech_pcg32_uniform(rng) < t->prob[i] ? i : t->alias[i];
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Chooses m of n leaves without replacement, bigger pharmacies more likely, into
 * out[0..m-1] in increasing order.  `mark[j] == stamp` marks a leaf as drawn; stamps
 * are unique per SKU, so marks never need clearing.  For m above n/2 it draws the
 * n - m leaves that do *not* stock the SKU instead, small pharmacies more likely,
 * so that rejecting repeats stays cheap: fast movers miss only some small shops. */
static void choose_leaves(ech_pcg32 *rng, const alias_table *bigger, const alias_table *smaller,
                          int32_t n, int32_t m, int32_t *mark, int32_t stamp, int32_t *out)
{
    if (m >= n) {
        for (int32_t j = 0; j < n; ++j)
            out[j] = j;
        return;
    }
    if (2 * (int64_t)m <= n) {
        for (int32_t got = 0; got < m;) {
            int32_t j = alias_draw(bigger, rng);
            if (mark[j] != stamp) {
                mark[j] = stamp;
                out[got++] = j;
            }
        }
        qsort(out, (size_t)m, sizeof *out, cmp_int32);
        return;
    }
    for (int32_t left = n - m; left > 0;) {
        int32_t j = alias_draw(smaller, rng);
        if (mark[j] != stamp) {
            mark[j] = stamp;
            --left;
        }
    }
    int32_t w = 0;
    for (int32_t j = 0; j < n; ++j)
        if (mark[j] != stamp)
            out[w++] = j;
}

/* ------------------------------------------------------------------------------
 * Catalogue
 * ------------------------------------------------------------------------------ */

enum { SEG_FAST = 0, SEG_REGULAR = 1, SEG_SLOW = 2, SEG_INTERMITTENT = 3, SEG_COUNT };
static const char *const segment_names[SEG_COUNT] = {"A-fast", "B-regular", "C-slow",
                                                     "D-intermittent"};

/* Coverage (share of leaves stocking a SKU) of non-fast SKUs:
 * logistic(a + COVER_SLOPE z + COVER_NOISE e), z the SKU's standardised log demand
 * and e independent noise, so better sellers are stocked more widely but not
 * strictly so.  `a` is solved for the requested density. */
#define COVER_SLOPE 1.0
#define COVER_NOISE 0.6

/* Fast movers are stocked at 95-100% of pharmacies. */
#define FAST_COVER_MIN 0.95

static double logistic(double x)
{
    return 1.0 / (1.0 + ech_exp(-x));
}

/* The count of stocking leaves for coverage c is floor(c n + u), u uniform, at least
 * 1: its mean is n max(c, 1/n) exactly.  So the expected share of a SKU is
 * max(c, 1/n), which the calibration below uses. */
static double expected_share(double cover, int32_t n_leaves)
{
    double floor_share = 1.0 / (double)n_leaves;
    return cover > floor_share ? cover : floor_share;
}

/* Solves for the intercept `a` that makes the mean share over SKUs equal the
 * requested density, by bisection over a quadrature of the normal law (2001
 * points on [-8, 8]).  It depends only on the parameters and the number of
 * leaves, never on the number of SKUs, so growing the catalogue keeps every SKU's
 * coverage.  When the fast movers alone exceed the density, or it cannot be
 * reached, the intercept saturates and the density comes out as near as it can. */
static double cover_intercept(const ech_catalogue_gen *g, int32_t n_leaves)
{
    double d = g->assortment_density, fs = g->fast_share;
    if (fs >= 1.0)
        return 0.0;
    /* Mean share of fast movers: E max(d, 0.95 + 0.05 U) by the midpoint rule. */
    double fast_mean = 0.0;
    for (int i = 0; i < 1000; ++i) {
        double c = FAST_COVER_MIN + (1.0 - FAST_COVER_MIN) * ((double)i + 0.5) / 1000.0;
        fast_mean += expected_share(c > d ? c : d, n_leaves) / 1000.0;
    }
    double target = (d - fs * fast_mean) / (1.0 - fs);

    enum { NQ = 2001 };
    static const double zmax = 8.0;
    double s = sqrt(COVER_SLOPE * COVER_SLOPE + COVER_NOISE * COVER_NOISE);
    double lo = -40.0, hi = 40.0;
    for (int it = 0; it < 80; ++it) {
        double a = 0.5 * (lo + hi), share = 0.0, wsum = 0.0;
        for (int i = 0; i < NQ; ++i) {
            double z = -zmax + 2.0 * zmax * (double)i / (NQ - 1);
            double w = ech_exp(-0.5 * z * z);
            share += w * expected_share(logistic(a + s * z), n_leaves);
            wsum += w;
        }
        if (share / wsum < target)
            lo = a;
        else
            hi = a;
    }
    return 0.5 * (lo + hi);
}

/* A SKU's demand model, shared by all its stocking leaves. */
typedef struct sku_demand {
    double level;     /* mean units/day at a pharmacy of size 1, zeros included */
    double var_ratio; /* 1 for Poisson */
    double zero_prob;
    uint8_t dist;
    int32_t leaves; /* number of stocking leaves */
} sku_demand;

static ech_status check_share(double x, const char *key, ech_error *err)
{
    if (!(x >= 0.0 && x <= 1.0))
        return ech_fail(err, ECH_ERR_INPUT, "catalogue.generate.%s: must be in [0, 1] (got %g)",
                        key, x);
    return ECH_OK;
}

static ech_status check_catalogue_gen(const ech_catalogue_gen *g, const ech_scenario *sc,
                                      ech_error *err)
{
    if (g->skus < 1 || g->skus > CAT_MAX_SKUS)
        return ech_fail(err, ECH_ERR_INPUT, "catalogue.generate.skus: must be in 1..%d (got %d)",
                        CAT_MAX_SKUS, (int)g->skus);
    ech_status st;
    if ((st = check_share(g->fast_share, "fast_share", err)) != ECH_OK ||
        (st = check_share(g->intermittent_share, "intermittent_share", err)) != ECH_OK ||
        (st = check_share(g->cold_share, "cold_share", err)) != ECH_OK ||
        (st = check_share(g->controlled_share, "controlled_share", err)) != ECH_OK ||
        (st = check_share(g->generic_share, "generic_share", err)) != ECH_OK ||
        (st = check_share(g->display_share, "display_share", err)) != ECH_OK)
        return st;
    if (g->fast_share + g->intermittent_share > 1.0 + 1e-12)
        return ech_fail(err, ECH_ERR_INPUT,
                        "catalogue.generate.intermittent_share: fast_share + intermittent_share "
                        "must be <= 1 (got %g + %g)",
                        g->fast_share, g->intermittent_share);
    if (!(g->assortment_density > 0.0 && g->assortment_density <= 1.0))
        return ech_fail(err, ECH_ERR_INPUT,
                        "catalogue.generate.assortment_density: must be in (0, 1] (got %g)",
                        g->assortment_density);
    if (sc->net.n < 1 || !sc->net.parent)
        return ech_fail(
            err, ECH_ERR_INPUT,
            "catalogue.generate: the scenario has no network to stock the catalogue at");
    if (sc->suppliers.n < 1)
        return ech_fail(
            err, ECH_ERR_INPUT,
            "catalogue.generate: the scenario has no suppliers (at least one is needed)");
    if (sc->seasons.n < 1)
        return ech_fail(err, ECH_ERR_INPUT,
                        "catalogue.generate: the scenario has no season profiles (profile 0, "
                        "flat, must exist)");
    return ECH_OK;
}

static double round_cents(double x)
{
    return round(x * 100.0) / 100.0;
}

/* Draws SKU s's attributes into the catalogue and its demand model into *dem.
 * The draw order is fixed (every value is drawn whether used or not), so adding a
 * rule for one attribute never shifts the others. */
static void draw_sku(const ech_catalogue_gen *g, const ech_scenario *sc, const double *supplier_cdf,
                     double cover_a, int32_t n_leaves, int32_t s, ech_catalogue *cat,
                     sku_demand *dem, int *fast_out)
{
    ech_pcg32 rng;
    ech_stream_init(&rng, g->seed, ECH_STREAM_GENERATOR, (uint64_t)s, GEN_SKU, 0);

    double u_class = ech_pcg32_uniform(&rng);
    double z = ech_sample_normal(&rng);       /* the SKU's demand level, standardised */
    double z_cover = ech_sample_normal(&rng); /* coverage noise */
    int cold = ech_sample_bernoulli(&rng, g->cold_share);
    int controlled = ech_sample_bernoulli(&rng, g->controlled_share);
    int generic = ech_sample_bernoulli(&rng, g->generic_share);
    double u_level = ech_pcg32_uniform(&rng);
    double u_dist = ech_pcg32_uniform(&rng);
    double u_ratio = ech_pcg32_uniform(&rng);
    double u_zero = ech_pcg32_uniform(&rng);
    double u_supplier = ech_pcg32_uniform(&rng);
    int seasonal = ech_sample_bernoulli(&rng, 0.20);
    uint32_t season = ech_pcg32_bounded(&rng, sc->seasons.n > 1 ? (uint32_t)sc->seasons.n - 1 : 1);
    double trend = 0.05 * ech_sample_normal(&rng);
    double cost = ech_sample_lognormal(&rng, ech_log(9.0), 1.0);
    double cold_factor = ech_sample_lognormal(&rng, ech_log(20.0), 0.9);
    double u_margin = ech_pcg32_uniform(&rng);
    double u_pack = ech_pcg32_uniform(&rng);
    static const int32_t case_packs[4] = {5, 6, 10, 12};
    int32_t case_pack = case_packs[ech_pcg32_bounded(&rng, 4)];
    double u_shelf = ech_pcg32_uniform(&rng);
    double u_fast_cover = ech_pcg32_uniform(&rng);
    double u_round = ech_pcg32_uniform(&rng);

    int fast = u_class < g->fast_share;
    int intermittent = !fast && u_class < g->fast_share + g->intermittent_share;

    /* Demand level per stocking pharmacy of average size, in units/day including
     * zero days.  Fast movers: 3-40, skewed to the low end like sales ranks are
     * (3 x (40/3)^(u^2): median 5.7, mean about 10; painkillers, statins, insulins).
     * Intermittent items: lognormal, median 0.08, with lumpy negative binomial
     * sizes (variance ratio 1.5-4) and 30-80% extra zero days.  The rest:
     * lognormal with median 0.15 and sigma 1.1, so about 86% sell under 0.5/day
     * (the slow segment) and 4% over 1/day; 70% of the regular ones and 35% of the
     * slow ones are over-dispersed (ratio 1.2-3 and 1.2-2.1), the others Poisson. */
    int segment;
    if (fast) {
        segment = SEG_FAST;
        dem->level = 3.0 * ech_pow(40.0 / 3.0, u_level * u_level);
        dem->dist = u_dist < 0.7 ? ECH_DEMAND_NEGBIN : ECH_DEMAND_POISSON;
        dem->var_ratio = 1.2 * ech_pow(3.0 / 1.2, u_ratio);
        dem->zero_prob = 0.0;
    } else if (intermittent) {
        segment = SEG_INTERMITTENT;
        dem->level = 0.08 * ech_exp(1.0 * z);
        dem->dist = ECH_DEMAND_NEGBIN;
        dem->var_ratio = 1.5 * ech_pow(4.0 / 1.5, u_ratio);
        dem->zero_prob = 0.3 + 0.5 * u_zero;
    } else {
        dem->level = 0.15 * ech_exp(1.1 * z);
        segment = dem->level >= 0.5 ? SEG_REGULAR : SEG_SLOW;
        double p_negbin = segment == SEG_REGULAR ? 0.7 : 0.35;
        double max_ratio = segment == SEG_REGULAR ? 3.0 : 2.1;
        dem->dist = u_dist < p_negbin ? ECH_DEMAND_NEGBIN : ECH_DEMAND_POISSON;
        dem->var_ratio = 1.2 * ech_pow(max_ratio / 1.2, u_ratio);
        dem->zero_prob = 0.0;
    }
    if (dem->dist == ECH_DEMAND_POISSON)
        dem->var_ratio = 1.0;
    /* A floor of one unit in about three years keeps every mean positive. */
    if (dem->level < 0.001)
        dem->level = 0.001;

    /* Coverage: fast movers nearly everywhere, the others by demand level (see
     * cover_intercept), then a count of leaves with the right mean. */
    double cover;
    if (fast) {
        cover = FAST_COVER_MIN + (1.0 - FAST_COVER_MIN) * u_fast_cover;
        if (cover < g->assortment_density)
            cover = g->assortment_density;
    } else {
        cover = logistic(cover_a + COVER_SLOPE * z + COVER_NOISE * z_cover);
    }
    int64_t m = (int64_t)floor(cover * (double)n_leaves + u_round);
    if (m < 1)
        m = 1;
    if (m > n_leaves)
        m = n_leaves;
    dem->leaves = (int32_t)m;

    /* A few big suppliers carry most SKUs: supplier i with weight 1/(i+1)^1.2. */
    int32_t lo = 0, hi = sc->suppliers.n - 1;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (u_supplier < supplier_cdf[mid])
            hi = mid;
        else
            lo = mid + 1;
    }

    /* Unit cost: lognormal with median 9 EUR; fast movers and generics cheaper,
     * narcotics dearer, cold-chain biologics some 20 times dearer with a tail into
     * the thousands.  Price: a margin of 15-60%, only 15-25% on items over 200 EUR
     * (regulated mark-ups on specialty drugs are small). */
    if (fast)
        cost *= 0.5;
    if (generic)
        cost *= 0.6;
    if (controlled)
        cost *= 1.5;
    if (cold)
        cost *= cold_factor;
    if (cost < 0.05)
        cost = 0.05;
    if (cost > 50000.0)
        cost = 50000.0;
    cost = round_cents(cost);
    double margin = cost > 200.0 ? 1.15 + 0.10 * u_margin : 1.15 + 0.45 * u_margin;
    double price = round_cents(cost * margin);
    if (price <= cost)
        price = cost + 0.01;

    /* Shipping packs: half the fast movers and 15% of the regular items come in
     * case packs of 5-12; everything else ships in single units. */
    int32_t pack = 1;
    if ((segment == SEG_FAST && u_pack < 0.5) || (segment == SEG_REGULAR && u_pack < 0.15))
        pack = case_pack;

    /* Shelf life: ambient 1-3 years (mostly 2-3), cold chain 6-18 months. */
    int32_t shelf;
    if (cold)
        shelf = u_shelf < 0.2 ? 180 : u_shelf < 0.45 ? 270 : u_shelf < 0.8 ? 365 : 548;
    else
        shelf = u_shelf < 0.1 ? 365 : u_shelf < 0.25 ? 548 : u_shelf < 0.65 ? 730 : 1095;

    /* Growth: mostly flat, sd 5%/year, never a fall to zero within two years. */
    if (trend < -0.45)
        trend = -0.45;
    if (trend > 0.5)
        trend = 0.5;

    cat->unit_cost[s] = cost;
    cat->unit_price[s] = price;
    cat->pack_size[s] = pack;
    cat->supplier[s] = lo;
    cat->shelf_life_days[s] = shelf;
    cat->storage[s] = cold ? ECH_STORAGE_COLD : ECH_STORAGE_AMBIENT;
    cat->handling[s] = controlled ? ECH_HANDLING_CONTROLLED : ECH_HANDLING_NORMAL;
    cat->substitution[s] = generic ? ECH_SUBST_GENERIC : ECH_SUBST_UNIQUE;
    cat->segment[s] = segment;
    /* A fifth of the SKUs follow one of the scenario's season profiles. */
    cat->season_profile[s] = sc->seasons.n > 1 && seasonal ? 1 + (int32_t)season : 0;
    cat->trend_per_year[s] = trend;
    *fast_out = fast;
}

/* Sites and alternative sources.  A SKU is made at one of its supplier's sites,
 * chosen uniformly; a share of the generics (alternative_share) may also be bought
 * from another supplier's site, preferably in another region so that a regional
 * event does not take both, at a premium, while the primary site is down.  Without
 * sites in the scenario, every SKU uses its supplier's first (default) site. */
static void assign_sources(const ech_catalogue_gen *g, ech_scenario *sc)
{
    ech_catalogue *cat = &sc->cat;
    const ech_sites *si = &sc->sites;
    int32_t *pool = ech_xmalloc((size_t)(si->n > 0 ? si->n : 1) * sizeof *pool, "site pool");
    for (int32_t s = 0; s < cat->n; ++s) {
        ech_pcg32 rng;
        ech_stream_init(&rng, g->seed, ECH_STREAM_GENERATOR, (uint64_t)s, GEN_SKU_SOURCE, 0);
        cat->alt_site[s] = -1;
        if (si->n == 0) {
            cat->site[s] = -1; /* the default sites come later (ech_scenario_finalize) */
            continue;
        }
        int32_t n_own = 0;
        for (int32_t i = 0; i < si->n; ++i)
            if (si->supplier[i] == cat->supplier[s])
                pool[n_own++] = i;
        cat->site[s] = pool[ech_pcg32_bounded(&rng, (uint32_t)n_own)];
        double u = ech_pcg32_uniform(&rng);
        if (cat->substitution[s] != ECH_SUBST_GENERIC || !(u < g->alternative_share))
            continue;
        int32_t region = si->region[cat->site[s]];
        int32_t n_alt = 0;
        for (int pass = 0; pass < 2 && n_alt == 0; ++pass)
            for (int32_t i = 0; i < si->n; ++i)
                if (si->supplier[i] != cat->supplier[s] && (pass == 1 || si->region[i] != region))
                    pool[n_alt++] = i;
        if (n_alt == 0)
            continue;
        cat->alt_site[s] = pool[ech_pcg32_bounded(&rng, (uint32_t)n_alt)];
        cat->alt_rule[s] = ECH_ALT_SWITCH;
        cat->alt_premium[s] = g->alternative_premium;
    }
    free(pool);
}

/* Unit volumes, from each SKU's own stream (drawn after, and apart from, every
 * other attribute, so none of those moves): log-uniform between 0.02 and 0.5
 * litres for cold-chain units (a vial or a single pen in its box up to a multi-pen
 * pack), between 0.01 and 0.5 for ambient ones (a blister box up to a bottle),
 * whole millilitres.  The receipt lives and the CW reserve are left to the
 * scenario's rules (NaN, -1). */
static void assign_volumes(const ech_catalogue_gen *g, ech_catalogue *cat)
{
    for (int32_t s = 0; s < cat->n; ++s) {
        ech_pcg32 rng;
        ech_stream_init(&rng, g->seed, ECH_STREAM_GENERATOR, (uint64_t)s, GEN_SKU_VOLUME, 0);
        double u = ech_pcg32_uniform(&rng);
        double lo = cat->storage[s] == ECH_STORAGE_COLD ? 0.02 : 0.01;
        double litres = lo * ech_pow(0.5 / lo, u);
        cat->unit_volume_litres[s] = round(litres * 1000.0) / 1000.0;
    }
}

ech_status ech_generate_catalogue(const ech_catalogue_gen *g, ech_scenario *sc, ech_error *err)
{
    if (!g || !sc)
        return ech_fail(err, ECH_ERR_RUNTIME, "catalogue.generate: no parameters or scenario");
    ech_status st = check_catalogue_gen(g, sc, err);
    if (st != ECH_OK)
        return st;
    const ech_network *net = &sc->net;

    /* Leaves: locations nobody names as parent, in index order. */
    int32_t *n_children = ech_xcalloc((size_t)net->n, sizeof *n_children, "child counts");
    for (int32_t i = 0; i < net->n; ++i)
        if (net->parent[i] >= 0 && net->parent[i] < net->n)
            n_children[net->parent[i]]++;
    int32_t n_leaves = 0;
    for (int32_t i = 0; i < net->n; ++i)
        n_leaves += n_children[i] == 0;
    if (n_leaves == 0) {
        free(n_children);
        return ech_fail(err, ECH_ERR_INPUT,
                        "catalogue.generate: the network has no leaves (every location supplies "
                        "another): its parents form a cycle");
    }
    int32_t *leaf = ech_xmalloc((size_t)n_leaves * sizeof *leaf, "leaf locations");
    double *size = ech_xmalloc((size_t)n_leaves * sizeof *size, "pharmacy sizes");
    double *inv_size = ech_xmalloc((size_t)n_leaves * sizeof *inv_size, "pharmacy sizes");
    for (int32_t i = 0, k = 0; i < net->n; ++i) {
        if (n_children[i] == 0) {
            leaf[k] = i;
            size[k] = pharmacy_profile_of(net->id[i]).size;
            inv_size[k] = 1.0 / size[k];
            ++k;
        }
    }
    free(n_children);
    alias_table bigger, smaller;
    alias_build(&bigger, size, n_leaves);
    alias_build(&smaller, inv_size, n_leaves);
    free(inv_size);

    double *supplier_cdf =
        ech_xmalloc((size_t)sc->suppliers.n * sizeof *supplier_cdf, "supplier weights");
    double total = 0.0;
    for (int32_t i = 0; i < sc->suppliers.n; ++i) {
        total += ech_pow((double)i + 1.0, -1.2);
        supplier_cdf[i] = total;
    }
    for (int32_t i = 0; i < sc->suppliers.n; ++i)
        supplier_cdf[i] /= total;

    double cover_a = cover_intercept(g, n_leaves);

    /* Replace whatever catalogue, segments and assortment the scenario had. */
    int32_t n = g->skus;
    ech_catalogue *cat = &sc->cat;
    ech_catalogue_free(cat);
    ech_skulocs_free(&sc->sl);
    ech_strings_free(sc->segment, sc->n_segments);
    sc->n_segments = SEG_COUNT;
    sc->segment = ech_xmalloc(SEG_COUNT * sizeof(char *), "segment names");
    for (int i = 0; i < SEG_COUNT; ++i)
        sc->segment[i] = ech_xstrdup(segment_names[i], "segment name");

    size_t un = (size_t)n;
    ech_table_alloc(&ech_catalogue_table, cat, n);
    cat->n = n;
    sku_demand *dem = ech_xmalloc(un * sizeof *dem, "SKU demand models");

    /* Pass 1, in SKU order: attributes, then names, which must be made unique in a
     * fixed order (earlier SKUs keep theirs). */
    name_set names;
    name_set_init(&names, cat->name, n);
    char buf[256];
    for (int32_t s = 0; s < n; ++s) {
        int fast;
        draw_sku(g, sc, supplier_cdf, cover_a, n_leaves, s, cat, &dem[s], &fast);
        format_id(buf, sizeof buf, "SKU", s + 1, 6);
        cat->id[s] = ech_xstrdup(buf, "SKU id");

        ech_pcg32 rng;
        ech_stream_init(&rng, g->seed, ECH_STREAM_GENERATOR, (uint64_t)s, GEN_SKU_NAME, 0);
        int cold = cat->storage[s] == ECH_STORAGE_COLD;
        int controlled = cat->handling[s] == ECH_HANDLING_CONTROLLED;
        int generic = cat->substitution[s] == ECH_SUBST_GENERIC;
        sku_name(&rng, cold, controlled, fast, generic, buf, sizeof buf);
        for (int r = 0; r < NAME_REDRAWS && name_set_contains(&names, buf); ++r)
            sku_name(&rng, cold, controlled, fast, generic, buf, sizeof buf);
        make_unique(&names, buf, sizeof buf);
        cat->name[s] = ech_xstrdup(buf, "SKU name");
        name_set_add(&names, s);
    }
    name_set_free(&names);
    free(supplier_cdf);

    /* Pass 2: the assortment rows.  Each SKU's rows start at the sum of the counts
     * before it and come from the SKU's own stream, so the SKUs can be filled in
     * any order by any number of threads with the same result. */
    int64_t *first = ech_xmalloc((un + 1) * sizeof *first, "assortment offsets");
    first[0] = 0;
    for (int32_t s = 0; s < n; ++s)
        first[s + 1] = first[s] + dem[s].leaves;
    int64_t rows = first[n];

    ech_skulocs *sl = &sc->sl;
    ech_table_alloc(&ech_skuloc_table, sl, rows);
    sl->n = rows;

#pragma omp parallel
    {
        int32_t *mark = ech_xmalloc((size_t)n_leaves * sizeof *mark, "leaf marks");
        int32_t *chosen = ech_xmalloc((size_t)n_leaves * sizeof *chosen, "chosen leaves");
        for (int32_t j = 0; j < n_leaves; ++j)
            mark[j] = -1;
#pragma omp for schedule(dynamic, 64)
        for (int32_t s = 0; s < n; ++s) {
            const sku_demand *d = &dem[s];
            ech_pcg32 rng;
            ech_stream_init(&rng, g->seed, ECH_STREAM_GENERATOR, (uint64_t)s, GEN_ASSORTMENT, 0);
            choose_leaves(&rng, &bigger, &smaller, n_leaves, d->leaves, mark, s, chosen);
            for (int32_t c = 0; c < d->leaves; ++c) {
                int64_t x = first[s] + c;
                int32_t j = chosen[c];
                /* A pharmacy sells in proportion to its size, with +-25% (lognormal,
                 * mean 1) of its own for this SKU: local prescribers, competitors. */
                double mean =
                    d->level * size[j] * ech_exp(0.25 * ech_sample_normal(&rng) - 0.03125);
                sl->sku[x] = s;
                sl->location[x] = leaf[j];
                sl->demand_dist[x] = d->dist;
                sl->demand_mean[x] = mean > 0.001 ? mean : 0.001;
                sl->demand_var_ratio[x] = d->var_ratio;
                sl->demand_zero_prob[x] = d->zero_prob;
            }
            /* Display stock: a share of the rows keep 1-3 units on the shelf, from
             * the SKU's own stream (the rows above are drawn without it). */
            if (g->display_share > 0.0) {
                ech_stream_init(&rng, g->seed, ECH_STREAM_GENERATOR, (uint64_t)s, GEN_DISPLAY, 0);
                for (int32_t c = 0; c < d->leaves; ++c) {
                    int64_t x = first[s] + c;
                    sl->display_min[x] = ech_pcg32_uniform(&rng) < g->display_share
                                             ? 1 + (int32_t)ech_pcg32_bounded(&rng, 3)
                                             : 0;
                }
            }
        }
        free(mark);
        free(chosen);
    }

    assign_sources(g, sc);
    assign_volumes(g, cat);

    free(first);
    free(dem);
    free(leaf);
    free(size);
    alias_free(&bigger);
    alias_free(&smaller);
    return ECH_OK;
}

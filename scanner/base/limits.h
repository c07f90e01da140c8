/*
 * base/limits.h - every cap sesame puts on input, each with its reason.
 *
 * A length read from input is checked against these before anything is allocated.
 */
#ifndef SESAME_LIMITS_H
#define SESAME_LIMITS_H

/* Files are read in chunks of this size; larger files are scanned chunk by chunk with
 * an overlap, so memory per worker stays bounded whatever the file size. */
#define LIMIT_CHUNK_BYTES (8u * 1024 * 1024)

/* Overlap between consecutive chunks: longer than any match plus the proximity window
 * around it, so a credential spanning a chunk boundary is found in the next chunk. */
#define LIMIT_CHUNK_OVERLAP (16u * 1024)

/* A regular file up to this size is read whole with one read and looked at in memory
 * (archive or text), like a git blob: for the many small files of a tree this saves the
 * separate peeks at its head and end (benches/RESULTS.md). Larger ones are streamed. */
#define LIMIT_WHOLE_FILE_BYTES (256u * 1024)

/* Longest text a single rule match may cover (keyword, separators, value). */
#define LIMIT_MATCH_BYTES 2048u

/* Longest value kept for a credential part (session tokens run to ~1.5 KB). */
#define LIMIT_VALUE_BYTES 4096u

/* A rules file larger than this is refused (rules are small hand-written JSON). */
#define LIMIT_RULES_FILE_BYTES (4u * 1024 * 1024)

/* Number of rules in a rule set (a Hyperscan database stays small and fast). */
#define LIMIT_RULES 4096u

/* Decoded views (url, json escapes, base64, utf-16) nest at most this deep. */
#define LIMIT_DECODE_DEPTH 3

/* The escape decoders (URL, JSON escapes, HTML) decode windows around their triggers,
 * not whole chunks: this much context on each side of a trigger (then to whole lines), as
 * much as the chunk overlap (any match plus the proximity window around it). */
#define LIMIT_DECODE_WINDOW LIMIT_CHUNK_OVERLAP

/* A match found within this many bytes of a window's cut edge is left to the view that
 * holds the window (the bytes there are the same, and a rule that looks at lines above
 * or around a value may have lost them at the cut). Triggers are LIMIT_DECODE_WINDOW
 * away from the cut, so a match within LIMIT_DECODE_WINDOW - LIMIT_DECODE_WINDOW_EDGE of
 * one is never that close. */
#define LIMIT_DECODE_WINDOW_EDGE 4096u

/* Bytes of decoded views produced for one input buffer, all depths together: a file of
 * nested base64 cannot make sesame allocate more than this on its behalf. */
#define LIMIT_DECODE_BYTES (64u * 1024 * 1024)

/* Base64 runs shorter than this are not decoded (too short to hold a key). */
#define LIMIT_BASE64_MIN_RUN 16u

/* A URL or JSON escape trigger opens a view only when its escape lies in a run of value
 * characters (base64 and '=', every escape counted as what it decodes to) that could
 * hold a value, or a few blanks or quotes from one: this many characters without '/' or
 * '+' (a key ID)... */
#define LIMIT_ESCAPE_RUN_MIN 20u

/* ... or this many in all (a secret, an SMTP password or a token is longer; base64 of a
 * key ID, 20 bytes, is 27 characters). "next=%2Fhome%2Fdashboard" (20, with '/') or a
 * JSON "com\/runtime\/c2f7ef10" is neither. */
#define LIMIT_ESCAPE_RUN_ANY 27u

/* How far back from an escape trigger's hit its run is looked for; a run that goes on
 * past it counts as long. Far enough that every hit in a run gets the answer of its
 * first: a short run, eight gaps and enough of the run before them to say whether it is
 * long are at most 27 + 8 + 27 tokens of at most 10 bytes (\u{00002F}). */
#define LIMIT_ESCAPE_RUN_BACK 1024u

/* Bytes and tokens the escape triggers' check may look at per byte of a buffer (plus
 * LIMIT_ESCAPE_CHECK_SLACK; JSON with escaped URLs takes 3-4, each hit looking back to its line's last break):
 * past that, in a buffer made of triggers ("a%3Aa%3A..."), every further trigger is kept
 * unchecked (its view decoded, as before the check) instead of the check costing a
 * look-back per hit. */
#define LIMIT_ESCAPE_CHECK_WORK 16u
#define LIMIT_ESCAPE_CHECK_SLACK 4096u

/* Wrapped base64 (76-column `base64` and MIME, 64-column PEM, YAML block scalars): lines
 * are joined into one run only when they are at least this wide (a multiple of 4), so
 * that lines of short words are never taken for one... */
#define LIMIT_BASE64_WRAP_MIN_COLS 16u

/* ...and indented by at most this many blanks (the scan back to a line's start and over
 * trailing blanks stays short). */
#define LIMIT_BASE64_WRAP_INDENT 256u

/* String literals joined by the program (decode/concat.c): a chain is at most this many
 * fragments, each on one line and at most LIMIT_CONCAT_FRAGMENT_BYTES long, joined to at
 * most LIMIT_CONCAT_BYTES (a credential is 20-44 characters; a few hundred bytes leave
 * room for a keyword literal joined to it, and keep every chain's parse O(1))... */
#define LIMIT_CONCAT_FRAGMENTS 16u
#define LIMIT_CONCAT_FRAGMENT_BYTES 256u
#define LIMIT_CONCAT_BYTES 512u
/* ...separated by at most this many bytes of blanks, line continuations and one operator
 * (a line break and its indentation)... */
#define LIMIT_CONCAT_GAP 64u
/* ...and rewritten only when a join splits a run of at least this many key characters
 * (half a key ID: "foo" "bar" is left alone). */
#define LIMIT_CONCAT_MIN_RUN 16u

/* Hyperscan hits kept per chunk (confirmation windows opened, trigger hits; a hit inside
 * the last window of its rule only extends it and is not counted); past this the chunk
 * is marked truncated (a file of millions of keyword lines cannot exhaust memory). */
#define LIMIT_HITS_PER_CHUNK 1000000u

/* Findings observations per run before sesame stops adding new ones (and says so). */
#define LIMIT_OBSERVATIONS 10000000u

/* Diagnostics whose text a run keeps for its report (all are counted; the rest of the
 * texts were printed on stderr as they happened). */
#define LIMIT_DIAG_KEPT 1000u
/* Pack entries outside a pack's index that gitpack_unresolvable() follows when a delta
 * chain goes through them (git never writes such entries; a crafted pack could make
 * every byte one): past this, the chains that need more are counted as never ending,
 * which keeps them from libgit2 (it would follow them, and loop on a cycle). */
#define LIMIT_PACK_UNLISTED (1u << 20)

/* A tag's name as shown in the location of its message, "(tag NAME)": names are short;
 * a crafted tag object may carry any length. */
#define LIMIT_GIT_TAG_NAME_BYTES 256

/* Path length accepted from the walker. */
#define LIMIT_PATH_BYTES 4096u

/* Bytes of a decompressed stream kept behind the point read so far: libarchive reads
 * ahead of what a format consumes, and whatever follows the end of an archive inside a
 * compressed stream (trailing data, a second archive) is scanned from here. */
#define LIMIT_ARCHIVE_TAP_BYTES (1024u * 1024)

/* Zip members inflated ahead by idle workers while the reader is on an earlier one
 * (source/archive/prefetch.c): members further ahead than this are left alone, the
 * bytes held while they wait for the reader stay under the second figure (plus one
 * member per worker), a member larger than the third is read by the reader itself (its
 * chunks go to the idle workers anyway), and at most the fourth extra libarchive
 * readers are open on one zip (each holds the zip's central directory). Memory, not
 * correctness: a member not inflated ahead is read as before. */
#define LIMIT_ARCHIVE_AHEAD_MEMBERS 64u
#define LIMIT_ARCHIVE_AHEAD_BYTES (16u * 1024 * 1024)
#define LIMIT_ARCHIVE_AHEAD_MEMBER_BYTES (4u * 1024 * 1024)
#define LIMIT_ARCHIVE_AHEAD_READERS 4u

/* Pieces (archives, compressed streams, plain runs) one input is cut into; past this the
 * rest is scanned as plain bytes (an input of many tiny empty archives stays cheap). */
#define LIMIT_ARCHIVE_SEGMENTS 256u

/* A .sesame.json file (hand-written: a few KB). */
#define LIMIT_CONFIG_BYTES (1u << 20)

/* An organisation's key inventory or account list (--known-keys, --accounts): about 150
 * bytes a key in list-access-keys JSON, so 400,000 keys... */
#define LIMIT_INVENTORY_BYTES (64u << 20)
/* ...but at most this many key IDs (literal rules of INVENTORY_IDS_PER_RULE IDs each,
 * compiled into the one database) and account IDs (AWS Organizations allows 10,000
 * accounts by default; large estates ask for more). */
#define LIMIT_INVENTORY_KEYS 200000u
#define LIMIT_INVENTORY_ACCOUNTS 100000u

/* A baseline file (about 300 bytes a finding: 200,000 findings). */
#define LIMIT_BASELINE_BYTES (64u << 20)

/* A saved JSON report read back by `sesame verify`. */
#define LIMIT_REPORT_FILE_BYTES (512u << 20)

/* A hook's standard input (ref update lines). */
#define LIMIT_HOOK_STDIN_BYTES (16u * 1024 * 1024)

/* PCRE2 backtracking bounds: a user rule can never make a scan hang. */
#define LIMIT_PCRE2_MATCH 2000000u

/* PCRE2 backtracking depth per confirmation: a crafted line cannot make a rule's regex
 * run away (the match is then dropped, like a non-match). */
#define LIMIT_PCRE2_DEPTH 100000u

/* Locations of one SARIF result (code-scanning tools choke on more; the JSON report
 * lists them all). */
#define LIMIT_SARIF_LOCATIONS 1000

/* Largest `near` window a rule may ask for: proximity rules run on the bytes around an
 * anchor, and the chunk overlap must cover them. */
#define LIMIT_NEAR_BYTES 8192u

/* A value pairs with the nearest access key ID at most this far away (bytes between
 * the two spans, in the view where both were found). */
#define LIMIT_PAIR_BYTES 1024u

/* Sender addresses kept per finding (sender.h: MAIL_FROM=... next to a key): an
 * application sends as a few; a file listing hundreds is an address book, and the
 * remediation policy's ses:FromAddress list must stay readable. */
#define LIMIT_SENDERS 8u

/* Branch tips examined for exposure: local and remote-tracking branches. */
#define LIMIT_EXPOSURE_BRANCHES 256

/* What a gitpack reader keeps of the objects it rebuilt (pack.h). Small on purpose:
 * blobs are read in delta-family order and trees mostly in the order they were packed,
 * so few bases are needed again, and on the generated histories of benches/ 2-8 MiB
 * were faster than 16-64 MiB (fresh memory costs page faults; benches/RESULTS.md). */
#define LIMIT_PACK_BLOB_CACHE_BYTES (8u * 1024 * 1024)

/* The same for trees (read in pass 1 and by the exposure walk) and commits (the commit
 * walks). Pass 1 reads trees in commit order, not in delta-family order: on git/git
 * (167,745 trees) 4 MiB meant 305,000 inflates and 4.07 GB rebuilt from deltas (bases
 * dropped before their next delta came), 32 MiB 202,000 and 2.92 GB (64 MiB: 200,000,
 * the rest being bases read before the trees they are); a small stream's inflate costs
 * ~4 us whatever its size. Memory: filled only as far as a walk needs (benches/RESULTS.md,
 * "History: issue 16 goal 1, a cheaper walk"). */
#define LIMIT_PACK_TREE_CACHE_BYTES (32u * 1024 * 1024)

/* A pack is read through a read-only mapping whose pages stay resident once touched: a
 * whole-history scan touches all of it (314 MiB of git/git's pack was counted in the
 * peak RSS). After every this many compressed bytes inflated from a pack, its pages are
 * released (the kernel's page cache keeps them; mapping them again costs a minor fault
 * per page, about 0.1 s per GiB). 32 MiB since the blobs are read while the walk reads
 * trees (two readers touching the pack at once). benches/RESULTS.md "History: issue 16". */
#define LIMIT_PACK_RESIDENT_BYTES ((uint64_t)32 * 1024 * 1024)

/* Trees larger than this are left to libgit2 (a tree of 1M entries is ~40 MB). */
#define LIMIT_GIT_TREE_BYTES (256u * 1024 * 1024)

/* Blobs larger than this are streamed through `git cat-file` rather than inflated in
 * memory (libgit2 has no streaming read for packed objects). */
#define LIMIT_GIT_INMEM_BLOB_BYTES (64u * 1024 * 1024)

/* A commit the push walk (source/git/pushwalk.c) reads whole when its first bytes did not
 * hold its header: larger ones are left to libgit2's walk (no real commit comes close). */
#define LIMIT_PUSHWALK_COMMIT_BYTES (64u * 1024 * 1024)

/* Longest delta chain followed (git's default is 50, `gc --aggressive` 250). */
#define LIMIT_DELTA_DEPTH 10000u

/* Ref updates in one hook invocation (a push of every tag of a big repository is
 * thousands; more is refused, naming the limit). */
#define LIMIT_HOOK_LINES 100000u

/* Length of a ref name in hook input (git allows long names; 1 KiB is far beyond use). */
#define LIMIT_HOOK_REF_BYTES 1024u

/* Names are short in AWS answers; a longer one is refused rather than copied around. */
#define LIMIT_XML_NAME_BYTES 256

/* Nesting of an XML answer read by the verifier (AWS answers nest 4 deep). */
#define LIMIT_XML_DEPTH 32

/* An HTTP answer body kept by the verifier; a body cut here is no answer (unknown). */
#define LIMIT_HTTP_BODY_BYTES (1u << 20)

/* A canonical request or string to sign being built. */
#define LIMIT_SIGV4_BYTES (16u << 20)

/* Headers signed in one SigV4 request. */
#define LIMIT_SIGV4_HEADERS 32

/* SigV4 input: the path, the query and each header value. */
#define LIMIT_SIGV4_INPUT_BYTES (1u << 20)

/* SES GetSendStatistics data points: two weeks of 15-minute intervals are 1344; more is
 * not AWS's answer. */
#define LIMIT_SES_DATA_POINTS 1500u

/* SES identities looked at per region (ListEmailIdentities, then one
 * GetEmailIdentityPolicies each): bounds the calls one leaked key causes; more are
 * reported as not looked at. */
#define LIMIT_SES_IDENTITIES 100u

/* ListEmailIdentities pages asked per region: with pages of 50, twice what
 * LIMIT_SES_IDENTITIES needs, so that empty pages with a NextToken cannot go on forever. */
#define LIMIT_SES_IDENTITY_PAGES 4u

/* Sending-authorization policies read per identity (AWS allows 20). */
#define LIMIT_SES_POLICIES 20u
/* Deny statements on sending weighed per policy (a policy is at most 4 KB: a few dozen
 * statements at most; more Deny statements than this are not counted as narrowing, so
 * the policy errs towards "open"). */
#define LIMIT_SES_POLICY_DENIES 16u
/* One value (text) in the audit store: paths, notes and factor lists are far shorter; a
 * longer value in a foreign store file is refused by SQLite, not copied around. */
#define LIMIT_STORE_VALUE_BYTES (1u << 20)

/* A container-image layer's history command (created_by) kept with an occurrence in the
 * store: a long RUN line is a few KB; longer is cut there (the scan's JSON report has it
 * whole), so that one value cannot make SQLite refuse the occurrence's row. */
#define LIMIT_STORE_LAYER_CMD 16384u

/* Rows of one store query kept in memory (findings, or occurrences of one finding):
 * beyond it the listing says what was left out. */
#define LIMIT_STORE_ROWS 1000000u

/* Lines of a --repos-from file (an organisation of 100k repositories is far beyond
 * most; more is refused, naming the limit). */
#define LIMIT_REPOS_FROM_LINES 1000000u

/* Directory levels `sesame audit --discover DIR` descends looking for repositories
 * (organisation/group/repository layouts are 2-3 deep). */
#define LIMIT_DISCOVER_DEPTH 8u

/* Pages of a forge's repository list followed (100 repositories a page: a million). */
#define LIMIT_FORGE_PAGES 10000u

/* Longest wait for a forge's API rate limit to reset (GitHub's window is an hour: past
 * this the audit says when to try again rather than sleep on). */
#define LIMIT_FORGE_WAIT_S 900u

/* Container images (source/src_image.h): images one manifest describes (a multi-platform
 * index lists a few dozen), layers of one image (Docker allows 127), and index levels
 * followed (an index of indexes is one level deep in practice). More is a malformed
 * manifest: the image is then scanned as plain files. */
#define LIMIT_IMAGE_MANIFESTS 1024u
#define LIMIT_IMAGE_LAYERS 4096u
#define LIMIT_IMAGE_INDEX_DEPTH 4u

/* Files of one image's layers remembered (name, size, SHA-256: about 100 bytes each) to
 * scan a content once however many layers hold it and to tell which later layer wrote
 * over a file (a large distribution image has some 100k). Past it, the rest are scanned
 * in every layer as they are and their overwrites are not told: a note, nothing lost. */
#define LIMIT_IMAGE_FILES 1000000u

#endif

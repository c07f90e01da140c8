/*
 * rules/template.h - fill rule example templates with fake credentials.
 *
 * Placeholders: {AKIA} {ASIA} {ABIA} {ACCA} {AIDA} {AROA} (new-generation key IDs),
 * {AKIA_OLD} (old generation), {AKIA_LOWER} and {AKIA_BAD} (look-alikes: lower case, an '8'), {SECRET} {SECRET2}, {TOKEN}, {SMTP} (v4 us-east-1
 * password of {SECRET}), {SMTP_EU} (eu-west-1), {SMTP2} (legacy v2), {HEX40} (a git
 * SHA-1 shape), {B64_44} (a 44-character base64 digest with '=' padding), {UUID}.
 * {BEDROCK} (a long-term Amazon Bedrock API key), {BEDROCK_ST} (a short-term one signed by
 * {ASIA} with {TOKEN} in us-west-2). A slice of any of them: {SECRET@0,20} (20 characters from 0), {SECRET@20} (the rest),
 * for values split across literals; the expected value is still the whole one.
 * The same seed gives the same values, so nothing key-shaped is committed.
 */
#ifndef SESAME_RULES_TEMPLATE_H
#define SESAME_RULES_TEMPLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/cred.h"

/* Expand `tmpl`. *expected receives a copy of the value of the first placeholder whose
 * kind is `want` (or NULL if there is none). Returns a new string. */
char *template_fill(const char *tmpl, uint64_t seed, enum cred_kind want, char **expected);

#endif

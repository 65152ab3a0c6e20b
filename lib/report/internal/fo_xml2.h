/*  fo_xml2 — libxml2, loaded on first use (fo_dl.h): the functions the
    JUnit XML report (fo_report_junit.c) calls, as sym_xmlFoo pointers
    typed from libxml2's own headers. A run without --junit-xml never
    maps libxml2 (nor ICU, which it brings). */
#ifndef FO_XML2_H
#define FO_XML2_H

#include <stddef.h>

#include <libxml/xmlwriter.h>

#include "fo_dl.h"

#define FO_XML2_SYMS(X)                                                                       \
    X (xmlOutputBufferCreateFile)                                                             \
    X (xmlOutputBufferClose)                                                                  \
    X (xmlNewTextWriter)                                                                      \
    X (xmlFreeTextWriter)                                                                     \
    X (xmlTextWriterSetIndent)                                                                \
    X (xmlTextWriterSetIndentString)                                                          \
    X (xmlTextWriterStartDocument)                                                            \
    X (xmlTextWriterEndDocument)                                                              \
    X (xmlTextWriterStartElement)                                                             \
    X (xmlTextWriterEndElement)                                                               \
    X (xmlTextWriterWriteAttribute)                                                           \
    X (xmlTextWriterWriteString)                                                              \
    X (xmlTextWriterFlush)

FO_XML2_SYMS (FO_DL_DECLARE)

/* Loads libxml2.so.2 (once): 0, or -1 with err saying what to install. */
int fo_xml2_load (char *err, size_t errlen);

#endif

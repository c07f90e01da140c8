/*
 * source/archive/noxml/libxml2_none.c - a stand-in for libxml2, which libarchive links
 * for its XAR format alone (reader and writer). Built as a small shared library whose
 * soname is libxml2's ("libxml2.so.2", CMakeLists.txt), its symbols at libxml2's
 * version nodes (libxml2_none.map); not part of the scanner.
 *
 * Why: libxml2 brings ICU (libicuuc, libicudata) and the C++ runtime: about 4-5 ms of
 * the 5-6 ms that dlopen("libarchive.so.13") takes, on the critical path of every scan
 * that opens an archive (benches/RESULTS.md, issue 16). sesame asks libarchive for the
 * zip, tar, 7-Zip and raw formats only (source/archive/lazy.h lists every libarchive
 * function it calls), never XAR, so libarchive never calls libxml2. lazy.c loads this
 * library before libarchive (source/standin.h): the dynamic linker then binds libarchive
 * to it, and libxml2 is never opened. Every libxml2 function libarchive refers to is
 * defined here (test_nonet checks this against the installed libarchive; when one is
 * missing lazy.c loads libarchive with its own libraries). Each aborts with its name
 * (never.h).
 */
#define STANDIN_CALLER "libarchive"
#define STANDIN_WHY "it reads no XAR archive"
#include "source/standin/never.h"

#define XML_NEVER(f) NEVER("libxml2", f)

XML_NEVER(UTF8Toisolat1)
XML_NEVER(xmlBufferCreate)
XML_NEVER(xmlBufferFree)
XML_NEVER(xmlCleanupParser)
XML_NEVER(xmlFreeTextReader)
XML_NEVER(xmlFreeTextWriter)
XML_NEVER(xmlNewTextWriterMemory)
XML_NEVER(xmlReaderForIO)
XML_NEVER(xmlTextReaderConstLocalName)
XML_NEVER(xmlTextReaderConstValue)
XML_NEVER(xmlTextReaderIsEmptyElement)
XML_NEVER(xmlTextReaderMoveToFirstAttribute)
XML_NEVER(xmlTextReaderMoveToNextAttribute)
XML_NEVER(xmlTextReaderNodeType)
XML_NEVER(xmlTextReaderRead)
XML_NEVER(xmlTextReaderSetErrorHandler)
XML_NEVER(xmlTextWriterEndDocument)
XML_NEVER(xmlTextWriterEndElement)
XML_NEVER(xmlTextWriterSetIndent)
XML_NEVER(xmlTextWriterStartDocument)
XML_NEVER(xmlTextWriterStartElement)
XML_NEVER(xmlTextWriterWriteAttribute)
XML_NEVER(xmlTextWriterWriteBase64)
XML_NEVER(xmlTextWriterWriteFormatAttribute)
XML_NEVER(xmlTextWriterWriteString)

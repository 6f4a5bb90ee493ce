"""The HTTP API: validates requests, authorises keys, shapes every error as the hosted API's body, and reads jobs.

Owns routes and their schemas. Must not run engines: it creates jobs in the store and links stored files.
"""

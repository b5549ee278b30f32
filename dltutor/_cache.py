"""A small bounded cache for lessons' trained results (explorers visit many seeds; memory must stay flat)."""
from __future__ import annotations

import collections


def bounded_cache(maxsize):
    """``get(key, make)``: the value remembered for ``key``, or ``make()`` remembered (least recently
    used first out past ``maxsize``); ``get.store`` is the OrderedDict behind it."""
    store = collections.OrderedDict()

    def get(key, make):
        if key in store:
            store.move_to_end(key)
            return store[key]
        value = make()
        store[key] = value
        while len(store) > maxsize:
            store.popitem(last=False)
        return value
    get.store = store
    return get

"""Evaluation of RouteT2I-style image routing: quality gain vs fraction of cloud calls."""
